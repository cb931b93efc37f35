"""Judges behind one interface: the rules graded, and a language model with the rules
behind it."""

from __future__ import annotations

from assistant.judge import Evidence, LLMJudge, RulesJudge, build_judge
from assistant.question import analyse
from assistant.vocabulary import CorpusVocabulary
from kunskap.analysis import analyze
from kunskap.settings import AnswerSettings
from tests.utils.hits import make_hit
from tests.utils.llm import ScriptedLLM

TRAINING = (
    "Utbildningen i motiverande samtal ges den 12 oktober 2026 för alla medarbetare i "
    "socialtjänsten och leds av FoU-enheten."
)
OTHER = "Familjehemmet får ersättning och försäkringsskydd enligt avtalet med nämnden."


def evidence(question: str, *texts: str) -> Evidence:
    hits = [make_hit(t, doc_id=f"d{i}", n=i, dense=0.9 - 0.02 * i) for i, t in enumerate(texts)]
    words = analyze(" ".join([question, *texts]))
    vocabulary = CorpusVocabulary(words, chunk_frequency={w: 1 for w in words}, chunks=50)
    return Evidence(analyse(question, "sv"), hits, vocabulary)


def test_the_rules_answer_when_a_passage_states_the_asked_fact() -> None:
    judgement = RulesJudge(AnswerSettings()).judge(
        evidence("När ges utbildningen i motiverande samtal?", TRAINING, OTHER)
    )
    assert judgement.status == "answered", judgement
    assert judgement.passages and "12 oktober" in judgement.passages[0].text


def test_an_answered_verdict_finds_its_passages_only_when_they_are_read() -> None:
    # The sentence composer (the default) never reads them; finding them costs ~10 ms.
    found = evidence("När ges utbildningen i motiverande samtal?", TRAINING, OTHER)
    judgement = RulesJudge(AnswerSettings()).judge(found)
    assert judgement.status == "answered"
    assert "passages" not in found.__dict__  # Evidence.passages not yet computed
    assert "12 oktober" in judgement.passages[0].text
    assert "passages" in found.__dict__


def test_the_rules_say_partial_when_the_topic_is_there_but_not_the_asked_fact() -> None:
    judgement = RulesJudge(AnswerSettings()).judge(
        evidence("Hur mycket kostar utbildningen i motiverande samtal?", TRAINING, OTHER)
    )
    assert judgement.status == "partial", judgement
    assert judgement.reason.startswith("asks for an amount")
    assert judgement.confidence < 0.5
    assert "motiverande samtal" in judgement.passages[0].text


def test_a_partial_verdict_shows_the_nearest_passages_each_once() -> None:
    # The asked fact may stand in a passage after the best one, which the rules cannot tell
    # (issue 16 §2: "show the nearest passages"): up to three, none repeating another.
    course = "Kursen i motiverande samtal ges av FoU-enheten för nya medarbetare."
    judgement = RulesJudge(AnswerSettings()).judge(
        evidence("Hur mycket kostar utbildningen i motiverande samtal?", TRAINING, course, TRAINING)
    )
    assert judgement.status == "partial", judgement
    texts = [p.text for p in judgement.passages]
    assert 2 <= len(texts) <= 3
    assert any("12 oktober" in t for t in texts) and any("nya medarbetare" in t for t in texts)
    assert sum("12 oktober" in t for t in texts) == 1  # the repeated hit is shown once


def test_the_rules_decline_when_nothing_is_relevant() -> None:
    judgement = RulesJudge(AnswerSettings()).judge(
        evidence("Vilka regler gäller för färdtjänst till dagverksamhet?", OTHER)
    )
    assert judgement.status == "declined"
    assert judgement.passages == []


def test_the_llm_judge_reads_a_verdict_and_a_passage_number() -> None:
    rules = RulesJudge(AnswerSettings())
    llm = ScriptedLLM(replies=["DELVIS 1 – stycket handlar om utbildningen men inte kostnaden."])
    judgement = LLMJudge(llm, rules).judge(
        evidence("Hur mycket kostar utbildningen i motiverande samtal?", TRAINING, OTHER)
    )
    assert judgement.status == "partial"
    assert "motiverande samtal" in judgement.passages[0].text
    assert "Hur mycket kostar utbildningen" in llm.seen[0]  # the prompt holds the question
    assert "[1]" in llm.seen[0]  # and numbered passages


def test_the_llm_judge_falls_back_to_the_rules_on_a_reply_without_verdict() -> None:
    rules = RulesJudge(AnswerSettings())
    ev = evidence("När ges utbildningen i motiverande samtal?", TRAINING, OTHER)
    judge = LLMJudge(ScriptedLLM(replies=["Det beror på hur man ser det."]), rules)
    assert judge.judge(ev) == rules.judge(ev)


def test_the_llm_judge_falls_back_to_the_rules_when_the_model_fails() -> None:
    rules = RulesJudge(AnswerSettings())
    ev = evidence("När ges utbildningen i motiverande samtal?", TRAINING, OTHER)
    judge = LLMJudge(ScriptedLLM(replies=[], fail_with="connection refused"), rules)
    assert judge.judge(ev) == rules.judge(ev)


def test_a_no_from_the_model_declines_even_where_the_rules_would_answer() -> None:
    ev = evidence("När ges utbildningen i motiverande samtal?", TRAINING, OTHER)
    judgement = LLMJudge(ScriptedLLM(replies=["NEJ"]), RulesJudge(AnswerSettings())).judge(ev)
    assert judgement.status == "declined"


def test_the_setting_picks_the_judge() -> None:
    llm = ScriptedLLM(replies=[])
    assert build_judge(AnswerSettings(), llm).name == "rules"
    assert build_judge(AnswerSettings(judge="llm"), llm).name == "llm"
    # Without a model configured the setting cannot be honoured: the rules judge.
    assert build_judge(AnswerSettings(judge="llm"), None).name == "rules"


def test_the_passages_settings_reach_the_passages_a_judge_reads() -> None:
    from kunskap.settings import PassageSettings

    listed = (
        "Frågor att ställa inför förändring av arbetssätt:\n"
        "- Vad vill vi uppnå med förändringen?\n"
        "- Vilka berörs av förändringen?\n"
        "- Hur följer vi upp förändringen?\n"
    )
    question = "Vilka frågor bör man ställa inför en förändring av arbetssätt?"
    default = evidence(question, listed)
    fewer = Evidence(
        default.question, default.hits, default.vocabulary, PassageSettings(list_items_shown=2)
    )
    assert len(default.passages[0].items) == 3
    assert len(fewer.passages[0].items) == 2
