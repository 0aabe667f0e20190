"""QTI 3.0 and 2.2 items into Pathwise items: choices, text entry, extended text,
order, feedback, unsupported interactions named, unsafe XML refused."""

from __future__ import annotations

import io
import zipfile

from pathwise.domain.answers import check_answer
from pathwise.domain.content import ItemType
from pathwise.interop.qti import parse_item_xml, parse_package

QTI3_CHOICE = """<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="frac-cmp-1" title="Compare">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>B</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="FEEDBACK" cardinality="single" base-type="identifier"/>
  <qti-item-body>
    <p>Which fraction is <strong>largest</strong>?</p>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1" shuffle="true">
      <qti-prompt>Choose one.</qti-prompt>
      <qti-simple-choice identifier="A">1/3<qti-feedback-inline outcome-identifier="FEEDBACK" identifier="A" show-hide="show">A bigger denominator means smaller pieces.</qti-feedback-inline></qti-simple-choice>
      <qti-simple-choice identifier="B">2/3</qti-simple-choice>
      <qti-simple-choice identifier="C">&lt;script&gt;alert(1)&lt;/script&gt;</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
  <qti-modal-feedback outcome-identifier="FEEDBACK" identifier="C" show-hide="show">That is not a fraction.</qti-modal-feedback>
</qti-assessment-item>"""

QTI22_TEXT = """<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p2" identifier="capital" title="Capital" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string">
    <correctResponse><value>Paris</value></correctResponse>
    <mapping defaultValue="0">
      <mapEntry mapKey="Paris" mappedValue="1"/>
      <mapEntry mapKey="Paris, France" mappedValue="1"/>
      <mapEntry mapKey="Lyon" mappedValue="0"/>
    </mapping>
  </responseDeclaration>
  <itemBody><p>The capital of France is <textEntryInteraction responseIdentifier="RESPONSE" expectedLength="15"/>.</p></itemBody>
  <modalFeedback outcomeIdentifier="FEEDBACK" identifier="Lyon" showHide="show">Lyon is the third-largest city, not the capital.</modalFeedback>
</assessmentItem>"""

QTI22_NUMERIC = """<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p2" identifier="num-1" title="Sum">
  <responseDeclaration identifier="R" cardinality="single" baseType="float"><correctResponse><value>0.75</value></correctResponse></responseDeclaration>
  <itemBody><p>1/2 + 1/4 = <textEntryInteraction responseIdentifier="R"/></p></itemBody>
</assessmentItem>"""

QTI3_MULTI_AND_EXTENDED = """<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="primes">
  <qti-response-declaration identifier="RESPONSE" cardinality="multiple" base-type="identifier">
    <qti-correct-response><qti-value>a</qti-value><qti-value>b</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-item-body><qti-choice-interaction response-identifier="RESPONSE" max-choices="0">
    <qti-prompt>Which are prime?</qti-prompt>
    <qti-simple-choice identifier="a">2</qti-simple-choice><qti-simple-choice identifier="b">3</qti-simple-choice>
    <qti-simple-choice identifier="c">9</qti-simple-choice>
  </qti-choice-interaction></qti-item-body>
</qti-assessment-item>"""

QTI3_EXTENDED_UNSCORED = """<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="essay">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string"/>
  <qti-item-body><qti-extended-text-interaction response-identifier="RESPONSE"><qti-prompt>Explain.</qti-prompt></qti-extended-text-interaction></qti-item-body>
</qti-assessment-item>"""

QTI3_HOTSPOT = """<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="map">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier"/>
  <qti-item-body><qti-hotspot-interaction response-identifier="RESPONSE"/><qti-slider-interaction response-identifier="X"/></qti-item-body>
</qti-assessment-item>"""

QTI22_ORDER = """<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p2" identifier="order-1">
  <responseDeclaration identifier="RESPONSE" cardinality="ordered" baseType="identifier">
    <correctResponse><value>s</value><value>m</value><value>l</value></correctResponse></responseDeclaration>
  <itemBody><orderInteraction responseIdentifier="RESPONSE"><prompt>Smallest first</prompt>
    <simpleChoice identifier="l">3/4</simpleChoice><simpleChoice identifier="s">1/3</simpleChoice><simpleChoice identifier="m">1/2</simpleChoice>
  </orderInteraction></itemBody>
</assessmentItem>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<assessmentItem identifier="x">&lol2;</assessmentItem>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<assessmentItem identifier="x"><itemBody>&xxe;</itemBody></assessmentItem>"""

SKILLS = ("frac.cmp",)


def test_qti3_choice_with_inline_and_modal_feedback() -> None:
    res = parse_item_xml(QTI3_CHOICE, "a.xml", SKILLS)
    assert not res.problems and not res.unsupported
    item = res.items[0][0]
    assert item.id == "frac-cmp-1" and item.type == ItemType.SINGLE_CHOICE
    assert item.prompt == "Which fraction is largest? Choose one."
    assert item.choices == ("1/3", "2/3", "<script>alert(1)</script>")  # kept as text, escaped when shown
    assert item.answer == "2/3"
    r = check_answer(item, "1/3")
    assert r.message == "A bigger denominator means smaller pieces."
    assert check_answer(item, "<script>alert(1)</script>").message == "That is not a fraction."
    assert check_answer(item, "2/3").correct


def test_qti22_text_entry_with_mapping_and_feedback() -> None:
    res = parse_item_xml(QTI22_TEXT, "b.xml", ("geo.cap",))
    item = res.items[0][0]
    assert item.type == ItemType.SHORT_TEXT
    assert item.answer == ["Paris", "Paris, France"]
    assert item.prompt == "The capital of France is ."
    assert check_answer(item, "paris").correct
    assert check_answer(item, "lyon").misconception is None
    assert check_answer(item, "lyon").message.startswith("Lyon is")


def test_qti22_numeric_text_entry() -> None:
    item = parse_item_xml(QTI22_NUMERIC, "c.xml", SKILLS).items[0][0]
    assert item.type == ItemType.NUMERIC and check_answer(item, "3/4").correct


def test_qti3_multiple_choice() -> None:
    item = parse_item_xml(QTI3_MULTI_AND_EXTENDED, "d.xml", SKILLS).items[0][0]
    assert item.type == ItemType.MULTIPLE_CHOICE and item.answer == ["2", "3"]


def test_qti_order_interaction() -> None:
    item = parse_item_xml(QTI22_ORDER, "o.xml", SKILLS).items[0][0]
    assert item.type == ItemType.ORDERING and item.answer == ["1/3", "1/2", "3/4"]


def test_extended_text_without_key_is_reported_not_dropped() -> None:
    res = parse_item_xml(QTI3_EXTENDED_UNSCORED, "e.xml", SKILLS)
    assert not res.items and "teacher to score" in str(res.problems[0])


def test_unsupported_interactions_named() -> None:
    res = parse_item_xml(QTI3_HOTSPOT, "f.xml", SKILLS)
    assert not res.items
    names = [str(u) for u in res.unsupported]
    assert any("qti-hotspot-interaction" in n for n in names)
    assert any("qti-slider-interaction" in n for n in names)


def test_unsafe_xml_refused() -> None:
    for doc in (BILLION_LAUGHS, EXTERNAL_ENTITY):
        res = parse_item_xml(doc, "evil.xml", SKILLS)
        assert not res.items and "unsafe" in str(res.problems[0])


def test_malformed_and_missing_skills() -> None:
    assert "well-formed" in str(parse_item_xml("<assessmentItem", "g.xml", SKILLS).problems[0])
    assert "--skills" in str(parse_item_xml(QTI22_NUMERIC, "h.xml", ()).problems[0])
    assert "assessment item" in str(parse_item_xml("<html/>", "i.xml", SKILLS).problems[0])


def test_package_reads_items_and_skips_manifest() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("imsmanifest.xml", "<manifest/>")
        z.writestr("items/a.xml", QTI3_CHOICE)
        z.writestr("items/f.xml", QTI3_HOTSPOT)
    res = parse_package(buf.getvalue(), "pkg.zip", SKILLS)
    assert [i.id for i, _, _ in res.items] == ["frac-cmp-1"]
    assert res.unsupported and "pkg.zip:items/f.xml" in str(res.unsupported[0])
    assert "not a zip" in str(parse_package(b"nope", "x.zip").problems[0])


def test_items_are_checked_like_authored_ones() -> None:
    """A QTI key that is not a number, or two choices that read the same, are reported."""
    bad_key = QTI22_NUMERIC.replace("<value>0.75</value>", "<value>0,75</value>")
    res = parse_item_xml(bad_key, "k.xml", SKILLS)
    assert not res.items and "item num-1: answer" in str(res.problems[0]) and "decimal point" in str(res.problems[0])
    twins = QTI3_CHOICE.replace(">1/3<qti-feedback-inline", ">2/3<qti-feedback-inline")
    res = parse_item_xml(twins, "t.xml", SKILLS)
    assert not res.items and "two choices read the same" in str(res.problems[0])
