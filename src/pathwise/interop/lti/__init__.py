"""LTI 1.3: Pathwise as a tool inside a learning-management system.

``tool`` speaks the protocol: OIDC login initiation, id_token checks (RS256 signature
against the platform's JWKS, issuer, audience, expiry, nonce, state, deployment),
Deep Linking responses signed with the tool's key, and the tool's public JWKS.
``ags`` posts scores to a platform's line items (Assignment and Grade Services) with an
OAuth 2 client-credentials token obtained by a signed JWT assertion.

What must survive between requests (states, nonces, registrations, keys, user and
class links) is kept by ``services/lti.py``; this package never touches the store.
"""
