"""The reader API refuses what no Telegram app could send, instead of breaking the queue."""

from __future__ import annotations

from tests.emulator.raw import raw_emulator


async def test_lone_surrogates_are_refused_and_the_queue_still_works() -> None:
    async with raw_emulator() as raw:
        user = raw.world.add_user("Ann")["id"]
        body = '{"user_id": ' + str(user) + ', "text": "broken \\ud800 text"}'
        async with raw.http.post(
            f"{raw.server.base_url}/_emulator/send_private",
            data=body,
            headers={"Content-Type": "application/json"},
        ) as answer:
            assert answer.status == 400
            assert "surrogate" in (await answer.json())["description"]
        status, _ = await raw.reader("send_private", user_id=user, text="fine 😀")
        assert status == 200
        assert [u["message"]["text"] for u in await raw.updates()] == ["fine 😀"]


async def test_file_names_that_climb_out_are_refused() -> None:
    async with raw_emulator() as raw:
        user = raw.world.add_user("Ann")["id"]
        for name in ("../../etc/passwd", "a/b.txt", "..", ""):
            status, answer = await raw.reader(
                "send_document", user_id=user, file_name=name, content="x"
            )
            assert status == 400, name
            assert "not a file name" in answer["description"]
        assert raw.world.files == {}
        status, _ = await raw.reader("send_document", user_id=user, file_name="ok.txt", content="x")
        assert status == 200
        [stored] = raw.world.files.values()
        async with raw.http.get(
            f"{raw.server.file_base_url}{raw.world.token}/{stored.path}"
        ) as download:
            assert download.status == 200
            assert await download.read() == b"x"


async def test_a_body_that_is_not_an_object_is_refused() -> None:
    async with (
        raw_emulator() as raw,
        raw.http.post(f"{raw.server.base_url}/_emulator/add_user", json=["Ann"]) as answer,
    ):
        assert answer.status == 400
