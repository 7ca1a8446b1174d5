"""The staff dashboard: login, office scoping, status changes with notes, CSV export, photos, audit."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
from sqlalchemy import select
from starlette.applications import Starlette

from bot.bootstrap import Tuoyu
from bot.channels.web.staff import LOGIN_PER_NAME
from complaints.models import AuditLog
from complaints.views import Filed, Submission
from tests.channels.web.conftest import PASSWORD, csrf_of, login


def other_client(app: Starlette, address: str) -> httpx.AsyncClient:
    """A second browser at another address."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 4000)),
                             base_url="http://testserver")


async def test_dashboard_needs_login(client: httpx.AsyncClient, filed: Filed) -> None:
    for path in ("/staff", f"/staff/cases/{filed.tracking}", "/staff/export.csv"):
        response = await client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login"), path
    assert (await client.get(f"/staff/cases/{filed.tracking}/photos/0")).status_code == 403


async def test_login_and_list_own_office(client: httpx.AsyncClient, filed: Filed, tuoyu: Tuoyu) -> None:
    await tuoyu.services.complaints.file(Submission(
        draft_id="d2", category="fees_contract", facility_name="别处托育", district="七里河区",
        description="收了一年学费后机构关门不退款。", happened="本月"))
    response = await login(client)
    assert response.status_code == 303 and response.headers["location"].startswith("/staff")
    html = (await client.get("/staff")).text
    assert filed.tracking in html and "阳光宝贝托育园" in html and "别处托育" not in html


async def test_wrong_password_and_throttle(client: httpx.AsyncClient, filed: Filed) -> None:
    codes = [(await login(client, password="wrong")).status_code for _ in range(3)]
    assert codes == [400, 400, 400]
    response = await login(client)  # the right password is refused while throttled
    assert response.status_code == 429


async def test_login_needs_csrf(client: httpx.AsyncClient, filed: Filed) -> None:
    await csrf_of(client, "/staff/login")
    response = await client.post("/staff/login", data={"name": "wang", "password": PASSWORD, "csrf": "forged"})
    assert response.status_code == 403


async def test_filters(client: httpx.AsyncClient, filed: Filed) -> None:
    await login(client)
    assert filed.tracking in (await client.get("/staff?category=hygiene_health")).text
    assert filed.tracking not in (await client.get("/staff?category=food_safety")).text
    assert filed.tracking not in (await client.get("/staff?status=resolved")).text
    assert filed.tracking not in (await client.get("/staff?overdue=1")).text
    assert filed.tracking in (await client.get("/staff?status=all&category=bogus")).text


async def test_detail_change_status_and_audit(client: httpx.AsyncClient, filed: Filed, tuoyu: Tuoyu) -> None:
    await login(client)
    page = await client.get(f"/staff/cases/{filed.tracking}")
    assert page.status_code == 200 and "厨房很脏" in page.text
    token = await csrf_of(client, f"/staff/cases/{filed.tracking}")
    response = await client.post(f"/staff/cases/{filed.tracking}/status",
                                 data={"csrf": token, "status": "accepted", "note": "已受理，三日内核查"})
    assert response.status_code == 303
    detail = (await client.get(f"/staff/cases/{filed.tracking}")).text
    assert "已受理，三日内核查" in detail and 'id="audit"' in detail
    async with tuoyu.db.session() as s:
        actions = (await s.execute(select(AuditLog.action).where(AuditLog.actor == "wang"))).scalars().all()
    assert {"login", "view", "update"} <= set(actions)


async def test_invalid_transition_is_400(client: httpx.AsyncClient, filed: Filed) -> None:
    await login(client)
    token = await csrf_of(client, f"/staff/cases/{filed.tracking}")
    response = await client.post(f"/staff/cases/{filed.tracking}/status",
                                 data={"csrf": token, "status": "resolved", "note": ""})
    assert response.status_code == 400 and 'id="case-error"' in response.text
    response = await client.post(f"/staff/cases/{filed.tracking}/status",
                                 data={"csrf": token, "status": "rejected", "note": ""})
    assert response.status_code == 400


async def test_status_change_needs_csrf(client: httpx.AsyncClient, filed: Filed) -> None:
    await login(client)
    response = await client.post(f"/staff/cases/{filed.tracking}/status",
                                 data={"csrf": "forged", "status": "accepted", "note": ""})
    assert response.status_code == 403


async def test_other_office_is_forbidden(client: httpx.AsyncClient, filed: Filed, tuoyu: Tuoyu) -> None:
    await login(client, "li")
    assert (await client.get(f"/staff/cases/{filed.tracking}")).status_code == 403
    token = await csrf_of(client, "/staff")
    response = await client.post(f"/staff/cases/{filed.tracking}/status",
                                 data={"csrf": token, "status": "accepted", "note": "x"})
    assert response.status_code == 403
    assert filed.tracking not in (await client.get("/staff")).text
    assert filed.tracking not in (await client.get("/staff/export.csv")).text
    async with tuoyu.db.session() as s:
        denied = (await s.execute(select(AuditLog.action).where(AuditLog.actor == "li"))).scalars().all()
    assert "denied_view" in denied and "denied_update" in denied


async def test_unknown_case_is_404(client: httpx.AsyncClient, filed: Filed) -> None:
    await login(client)
    assert (await client.get("/staff/cases/TY-20200101-AAAAAAAA")).status_code == 404
    assert (await client.get("/staff/cases/not-a-number")).status_code == 404


async def test_csv_export(client: httpx.AsyncClient, filed: Filed, tuoyu: Tuoyu) -> None:
    await tuoyu.services.complaints.file(Submission(
        draft_id="d3", category="hygiene_health", facility_name="=HYPERLINK(\"http://evil\")", district="城关区",
        description="公式注入测试，描述需要足够长。", happened="昨天"))
    await login(client)
    response = await client.get("/staff/export.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert {r["tracking"] for r in rows} >= {filed.tracking}
    assert all(not r["facility_name"].startswith("=") for r in rows)


async def test_photos_only_for_the_assigned_office(client: httpx.AsyncClient, tuoyu: Tuoyu, filed: Filed) -> None:
    from complaints.photos import store_photo
    from tests.channels.web.test_chat import jpeg

    stored = store_photo(jpeg(), tuoyu.settings.data_dir / "uploads", 5 * 1024 * 1024)
    case = await tuoyu.services.complaints.file(Submission(
        draft_id="d4", category="hygiene_health", facility_name="照片托育", district="城关区",
        description="有照片的投诉，描述足够长。", happened="今天",
        photos=(stored, "AgACAgUAAxkBAAIB-telegram-file-id")))
    await login(client)
    page = (await client.get(f"/staff/cases/{case.tracking}")).text
    assert f"/staff/cases/{case.tracking}/photos/0" in page and "照片在Telegram中" in page
    photo = await client.get(f"/staff/cases/{case.tracking}/photos/0")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert "no-store" in photo.headers["cache-control"]
    assert (await client.get(f"/staff/cases/{case.tracking}/photos/1")).status_code == 404
    assert (await client.get(f"/staff/cases/{case.tracking}/photos/9")).status_code == 404
    client.cookies.clear()
    await login(client, "li")
    assert (await client.get(f"/staff/cases/{case.tracking}/photos/0")).status_code == 403


async def test_logout(client: httpx.AsyncClient, filed: Filed) -> None:
    await login(client)
    token = await csrf_of(client, "/staff")
    assert (await client.post("/staff/logout", data={"csrf": token})).status_code == 303
    assert (await client.get("/staff")).status_code == 303


async def test_a_cookie_saved_before_logout_opens_nothing(app: Starlette, client: httpx.AsyncClient,
                                                          filed: Filed) -> None:
    await login(client)
    saved = client.cookies["tuoyu_session"]
    assert filed.tracking in (await client.get(f"/staff/cases/{filed.tracking}")).text
    await client.post("/staff/logout", data={"csrf": await csrf_of(client, "/staff")})
    async with other_client(app, "198.51.100.9") as thief:
        thief.cookies.set("tuoyu_session", saved)
        for path in ("/staff", f"/staff/cases/{filed.tracking}", "/staff/export.csv"):
            response = await thief.get(path)
            assert response.status_code == 303 and response.headers["location"].startswith("/staff/login"), path
        assert (await thief.get(f"/staff/cases/{filed.tracking}/photos/0")).status_code == 403


async def test_wrong_passwords_from_one_address_leave_the_others_alone(app: Starlette, client: httpx.AsyncClient,
                                                                       filed: Filed) -> None:
    codes = [(await login(client, password="wrong")).status_code for _ in range(6)]
    assert codes == [400, 400, 400, 429, 429, 429]  # limits(): 3 per (name, address)
    async with other_client(app, "198.51.100.9") as office:
        assert (await login(office)).status_code == 303


async def test_a_spread_attack_slows_new_browsers_but_not_a_known_one(app: Starlette, filed: Filed) -> None:
    async with other_client(app, "198.51.100.9") as office:
        assert (await login(office)).status_code == 303  # this browser is now known for wang
        await office.post("/staff/logout", data={"csrf": await csrf_of(office, "/staff")})
        for n in range(LOGIN_PER_NAME.burst - 1):  # the rest of the name's budget, one try per address
            async with other_client(app, f"203.0.113.{n + 10}") as attacker:
                assert (await login(attacker, password="wrong")).status_code == 400
        async with other_client(app, "192.0.2.200") as new_browser:
            assert (await login(new_browser)).status_code == 429
        assert (await login(office)).status_code == 303


async def test_deactivated_staff_is_logged_out(client: httpx.AsyncClient, filed: Filed, tuoyu: Tuoyu) -> None:
    from complaints.models import Staff

    await login(client)
    async with tuoyu.db.session() as s:
        (await s.execute(select(Staff).where(Staff.name == "wang"))).scalar_one().active = False
    assert (await client.get("/staff")).status_code == 303


async def test_overdue_cases_come_first(client: httpx.AsyncClient, filed: Filed, tuoyu: Tuoyu) -> None:
    service = tuoyu.services.complaints
    now = service.clock
    service.clock = lambda: now() - timedelta(days=40)
    try:
        late = await service.file(Submission(
            draft_id="late", category="hygiene_health", facility_name="超期托育", district="城关区",
            description="一个多月前的投诉，至今没有处理。", happened="上个月"))
    finally:
        service.clock = now
    await login(client)
    html = (await client.get("/staff")).text
    assert html.index(late.tracking) < html.index(filed.tracking)
    only = (await client.get("/staff?overdue=1")).text
    assert late.tracking in only and filed.tracking not in only
