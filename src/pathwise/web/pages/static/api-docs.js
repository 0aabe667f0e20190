/* Starts the interactive API documentation on /api/v1/docs from local files.
   When signed in through the pages, changes sent from here carry the CSRF token. */
window.addEventListener("load", function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    requestInterceptor: function (req) {
      if (meta && req.method && req.method.toUpperCase() !== "GET") {
        req.headers["X-CSRF-Token"] = meta.getAttribute("content");
      }
      return req;
    }
  });
});
