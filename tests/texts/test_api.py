"""Dutch by default and English on request through the real app; codes beside every text; the small things
users hit (issue 14 item 8): one frail-elderly rule, no skipped red-flag question, a cancel keeps its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from ..http_helpers import Client, make_app, report, started, token
from ..regions import tiny_region

AT_A = {"lat": 50.85, "lon": 5.70}
# Dyspnoe asked in order up to the first yes: U2 (hap_visit, seh, elv_hoog).
U2 = {"dys_ademt_niet": False, "dys_geen_zinnen": False, "dys_pijn_borst": False, "dys_copd_hartfalen": True}


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, tmp_path: Path) -> Client:
    return await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))


def headers(tok: str, lang: str | None = None) -> dict[str, str]:
    """A bearer token, and Accept-Language only when given (no header: the default language)."""
    return {"Authorization": f"Bearer {tok}", **({"Accept-Language": lang} if lang else {})}


def body(ref: str = "p-nl", **over: Any) -> dict[str, Any]:
    return {"patient_ref": ref, "age": 84, "location": AT_A, "complaint": "dyspnoe", "answers": U2, **over}


async def create(client: Client, tok: str, lang: str | None = None, **over: Any) -> tuple[int, dict[str, Any], str]:
    resp = await client.post("/api/v1/requests", json=body(**over), headers=headers(tok, lang))
    return resp.status, await resp.json(), resp.headers.get("Content-Language", "")


async def test_reasons_are_dutch_by_default_english_on_request_with_the_same_codes(client: Client) -> None:
    admin, nurse = await token(client.app, "admin"), await token(client.app, "triage")
    assert (await client.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 3, 5), headers=headers(admin))).ok
    status, nl, lang = await create(client, nurse)
    assert status == 201 and lang == "nl"
    first = nl["proposals"][0]
    assert "3 plekken vrij" in first["reasons"]
    coded = {c["code"]: c for c in first["reasons_coded"]}
    assert coded["reason.free"] == {"code": "reason.free", "params": {"n": 3}, "text": "3 plekken vrij"}
    # the triage reason names the question in words, never its id
    assert nl["triage"]["reasons"][0].startswith("‘Toenemende benauwdheid") and "dys_" not in str(
        nl["triage"]["reasons"]
    )
    assert nl["triage"]["reasons_coded"][0]["params"] == {"question": "dys_copd_hartfalen", "to_urgency": "U2"}

    resp = await client.get(f"/api/v1/requests/{nl['id']}", headers=headers(nurse, "en-GB,en;q=0.9,nl;q=0.5"))
    en = await resp.json()
    assert resp.headers["Content-Language"] == "en" and "Accept-Language" in resp.headers["Vary"]
    assert "3 free" in en["proposals"][0]["reasons"]
    assert [c["code"] for c in en["proposals"][0]["reasons_coded"]] == [c["code"] for c in first["reasons_coded"]]
    assert en["history"][0]["detail"].startswith("U2 by ‘")


async def test_problems_are_dutch_by_default_with_a_code(client: Client) -> None:
    nurse = await token(client.app, "triage")
    status, problem, _ = await create(client, nurse, age=130)
    assert status == 422 and problem["field"] == "age"
    assert problem["title"] == "Ongeldige invoer" and problem["detail"] == "age: mag hoogstens 120 zijn"
    assert problem["detail_coded"]["code"] == "invalid.field"
    assert problem["errors"][0]["detail_coded"] == {
        "code": "invalid.less_than_equal",
        "params": {"le": 120},
        "text": "mag hoogstens 120 zijn",
    }
    status, english, _ = await create(client, nurse, lang="en", age=130)
    assert english["detail"] == "age: Input should be less than or equal to 120"
    missing = await client.get("/api/v1/requests/req-none", headers=headers(nurse))
    assert (await missing.json())["detail"] == "Aanvraag req-none bestaat niet."


async def test_the_catalogue_serves_labels_for_the_page_in_its_language(client: Client) -> None:
    nurse = await token(client.app, "triage")
    nl = await (await client.get("/api/v1/texts", headers=headers(nurse))).json()
    assert nl["language"] == "nl"
    assert nl["labels"]["status"]["placed"] == "geplaatst"
    assert nl["labels"]["event"]["hold"] == "Plek gereserveerd"
    assert nl["labels"]["question"]["dys_copd_hartfalen"].startswith("Toenemende benauwdheid")
    assert nl["labels"]["care_type"]["elv_hoog"] == "ELV hoog"
    en = await (await client.get("/api/v1/texts", headers=headers(nurse, "en"))).json()
    assert (en["language"], en["labels"]["status"]["placed"]) == ("en", "placed")
    assert (await client.get("/api/v1/texts")).status == 401


async def test_frail_elderly_as_a_flag_or_as_context_gives_the_same_urgency(client: Client) -> None:
    """The page's "Kwetsbare oudere" and the API's flags.frail_elderly are one fact: both raise the urgency."""
    nurse = await token(client.app, "triage")
    # Dyspnoe with every question no: U4 by default; the frail-elderly modifier raises it one level.
    none_yes = {k: False for k in (*U2, "dys_koorts_oudere", "dys_toenemend")}
    _, plain, _ = await create(client, nurse, ref="p-1", answers=none_yes)
    _, by_flag, _ = await create(client, nurse, ref="p-2", answers=none_yes, flags={"frail_elderly": True})
    _, by_context, _ = await create(client, nurse, ref="p-3", answers=none_yes, context={"frail_elderly": True})
    assert plain["urgency"] == "U4"
    assert by_flag["urgency"] == by_context["urgency"] == "U3"
    assert by_flag["flags"]["frail_elderly"] is by_context["flags"]["frail_elderly"] is True
    assert by_flag["triage"]["raised_by"] == by_context["triage"]["raised_by"] == ["frail_elderly"]


async def test_a_skipped_red_flag_question_is_refused_naming_it(client: Client) -> None:
    nurse = await token(client.app, "triage")
    status, problem, _ = await create(client, nurse, answers={"dys_copd_hartfalen": True})
    assert status == 422 and problem["field"] == "answers.dys_ademt_niet"
    assert problem["detail_coded"] == {
        "code": "triage.skipped_red_flag",
        "params": {"question": "dys_ademt_niet"},
        "text": problem["detail"],
    }
    assert problem["detail"].startswith("Beantwoord eerst ‘Reageert de patiënt niet")
    # with no yes at all, every question more urgent than the default must have been asked
    status, problem, _ = await create(client, nurse, answers={"dys_ademt_niet": False})
    assert status == 422 and problem["field"] == "answers.dys_geen_zinnen"
    # questions after the deciding yes are not asked, and need no answer
    status, _, _ = await create(client, nurse, answers={"dys_ademt_niet": False, "dys_geen_zinnen": True})
    assert status == 201


async def test_cancel_keeps_its_reason_in_the_request_its_history_and_the_trajectory(client: Client) -> None:
    admin, nurse = await token(client.app, "admin"), await token(client.app, "triage")
    _, req, _ = await create(client, nurse, ref="p-cancel")
    resp = await client.post(
        f"/api/v1/requests/{req['id']}/cancel", json={"reason": "patiënt toch thuis opgevangen"}, headers=headers(nurse)
    )
    cancelled = await resp.json()
    assert resp.status == 200 and cancelled["cancel_reason"] == "patiënt toch thuis opgevangen"
    again = await (await client.get(f"/api/v1/requests/{req['id']}", headers=headers(nurse))).json()
    assert again["cancel_reason"] == "patiënt toch thuis opgevangen"
    assert again["history"][-1]["detail"] == "geannuleerd: patiënt toch thuis opgevangen"
    record = await (await client.get("/api/v1/trajectories/p-cancel", headers=headers(admin))).json()
    cancel = next(e for e in record["events"] if e["type"] == "cancel")
    assert cancel["detail"]["reason"] == "patiënt toch thuis opgevangen"
    assert cancel["description"] == "aanvraag geannuleerd: patiënt toch thuis opgevangen"
    assert cancel["description_coded"]["code"] == "event.cancel"
