"""The sandbox core both API sandboxes share: journal, faults, serving on loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from common._sandbox import (
    CONTROL_PREFIX,
    RecordedRequest,
    Sandbox,
    control_routes,
    json_response,
)


class PlainSandbox(Sandbox):
    """A sandbox of the tests' own: it holds no objects, only the shared controls."""

    def seed_demo_data(self) -> None:
        """There is nothing to seed: the endpoints keep no objects."""

    def reset(self) -> None:
        self.clear_requests()
        self.clear_faults()


class EchoSandbox(PlainSandbox):
    """A sandbox whose one endpoint counts the requests it handled and echoes the body."""

    def __init__(self) -> None:
        super().__init__(error_body=lambda status, message: {"detail": message, "code": status})
        self.handled = 0

        async def echo(request: Request) -> Response:
            self.handled += 1
            return json_response({"body": (await request.body()).decode()}, status_code=201)

        routes = [Route("/echo", echo, methods=["GET", "POST"]), *control_routes(self)]
        self.app = self.wrap(Starlette(routes=routes))


@pytest.fixture
async def client() -> AsyncIterator[tuple[EchoSandbox, httpx.AsyncClient]]:
    sandbox = EchoSandbox()
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sb") as http:
        yield sandbox, http


async def test_requests_are_journaled_with_their_exact_body(
    client: tuple[EchoSandbox, httpx.AsyncClient],
) -> None:
    sandbox, http = client
    response = await http.post("/echo?x=1", content=b'{"a": 1}', headers={"X-Key": "k"})
    assert response.json() == {"body": '{"a": 1}'}
    [recorded] = sandbox.requests_to("/echo", method="post")
    assert recorded == RecordedRequest(
        method="POST",
        path="/echo",
        query="x=1",
        headers=recorded.headers,
        body=b'{"a": 1}',
    )
    assert recorded.header("x-key") == recorded.header("X-KEY") == "k"
    assert recorded.header("missing") is None
    assert recorded.json() == {"a": 1}
    assert recorded.to_dict()["body"] == '{"a": 1}'
    sandbox.clear_requests()
    assert sandbox.requests == []


async def test_control_paths_are_neither_journaled_nor_faulted(
    client: tuple[EchoSandbox, httpx.AsyncClient],
) -> None:
    sandbox, http = client
    sandbox.fail_next(CONTROL_PREFIX + "requests", status=502)
    assert (await http.get("/sandbox/requests")).status_code == 200
    assert sandbox.requests == []


async def test_fail_next_answers_n_times_in_the_api_error_shape_then_stops(
    client: tuple[EchoSandbox, httpx.AsyncClient],
) -> None:
    sandbox, http = client
    sandbox.fail_next("/echo", status=429, times=2, retry_after=7)
    for _ in range(2):
        response = await http.get("/echo")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        assert response.json() == {"detail": "Request was throttled.", "code": 429}
    assert (await http.get("/echo")).status_code == 201
    assert sandbox.handled == 1  # the failed requests never reached the endpoint
    assert len(sandbox.requests_to("/echo")) == 3  # but all three arrived


async def test_a_fault_can_be_limited_to_one_method(
    client: tuple[EchoSandbox, httpx.AsyncClient],
) -> None:
    sandbox, http = client
    sandbox.fail_next("/echo", status=503, method="POST")
    assert (await http.get("/echo")).status_code == 201
    assert (await http.post("/echo")).status_code == 503


async def test_after_handling_processes_the_request_and_replaces_its_answer(
    client: tuple[EchoSandbox, httpx.AsyncClient],
) -> None:
    sandbox, http = client
    sandbox.fail_next("/echo", status=502, after_handling=True)
    response = await http.post("/echo", content=b"pay")
    assert response.status_code == 502
    assert sandbox.handled == 1  # the payment was made; only its answer was lost


@pytest.mark.parametrize("after_handling", [True, False])
async def test_drop_next_loses_the_connection_in_process(
    client: tuple[EchoSandbox, httpx.AsyncClient], after_handling: bool
) -> None:
    sandbox, http = client
    sandbox.drop_next("/echo", after_handling=after_handling)
    with pytest.raises(httpx.RemoteProtocolError):
        await http.post("/echo", content=b"pay")
    assert sandbox.handled == int(after_handling)  # made, or not, before the loss
    assert (await http.post("/echo")).status_code == 201  # one request only


@pytest.mark.parametrize("after_handling", [True, False])
async def test_drop_next_with_timeout_times_out_in_process(
    client: tuple[EchoSandbox, httpx.AsyncClient], after_handling: bool
) -> None:
    sandbox, http = client
    sandbox.drop_next("/echo", timeout=True, after_handling=after_handling, method="POST")
    assert (await http.get("/echo")).status_code == 201  # another method: untouched
    with pytest.raises(httpx.ReadTimeout):
        await http.post("/echo", content=b"pay")
    assert sandbox.handled == 1 + int(after_handling)


async def test_a_served_drop_closes_the_connection_after_handling() -> None:
    sandbox = EchoSandbox()
    sandbox.drop_next("/echo", after_handling=True)
    async with sandbox.serve() as base_url, httpx.AsyncClient(base_url=base_url) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post("/echo", content=b"pay")
        assert (await http.post("/echo")).status_code == 201  # the server goes on serving
    assert sandbox.handled == 2


async def test_a_served_timeout_holds_the_answer_until_the_client_gives_up() -> None:
    sandbox = EchoSandbox()
    sandbox.drop_next("/echo", timeout=True, after_handling=True)
    async with sandbox.serve() as base_url, httpx.AsyncClient(base_url=base_url) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.post("/echo", content=b"pay", timeout=0.2)
        assert (await http.post("/echo")).status_code == 201
    assert sandbox.handled == 2


async def test_drops_are_armed_over_http(
    client: tuple[EchoSandbox, httpx.AsyncClient],
) -> None:
    sandbox, http = client
    for drop, error in (("reset", httpx.RemoteProtocolError), ("timeout", httpx.ReadTimeout)):
        spec = {"path": "/echo", "drop": drop, "after_handling": True}
        assert (await http.post("/sandbox/faults", json=spec)).status_code == 201
        with pytest.raises(error):
            await http.post("/echo")
    assert sandbox.handled == 2
    refused = await http.post("/sandbox/faults", json={"path": "/echo", "drop": "later"})
    assert refused.status_code == 400
    assert "reset, timeout" in refused.json()["detail"]


async def test_delay_next_holds_the_request_then_handles_it(
    client: tuple[EchoSandbox, httpx.AsyncClient],
) -> None:
    sandbox, http = client
    sandbox.delay_next("/echo", seconds=0.05)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await http.get("/echo")).status_code == 201
    assert loop.time() - started >= 0.04
    assert sandbox.handled == 1


async def test_clear_faults_disarms_every_fault(
    client: tuple[EchoSandbox, httpx.AsyncClient],
) -> None:
    sandbox, http = client
    sandbox.fail_next("/echo", times=5)
    sandbox.clear_faults()
    assert (await http.get("/echo")).status_code == 201


@pytest.mark.parametrize(
    ("arm", "message"),
    [
        (lambda s: s.fail_next("/echo", status=200), "error status"),
        (lambda s: s.fail_next("echo"), "must start with '/'"),
        (lambda s: s.fail_next("/echo", times=0), "at least 1"),
        (lambda s: s.delay_next("/echo", seconds=-1), "negative"),
        (lambda s: s.drop_next("/echo", times=0), "at least 1"),
        (lambda s: s.drop_next("echo"), "must start with '/'"),
        (lambda s: s.delay_next("/echo", seconds=float("inf")), "finite"),
        (lambda s: s.delay_next("/echo", seconds=float("nan")), "finite"),
        (lambda s: s.fail_next("/echo", status=429, retry_after=-1), "retry_after"),
        (lambda s: s.fail_next("/echo", status=429, retry_after="soon"), "retry_after"),
    ],
)
def test_bad_fault_arguments_are_refused(arm: object, message: str) -> None:
    sandbox = EchoSandbox()
    with pytest.raises(ValueError, match=message):
        arm(sandbox)  # type: ignore[operator]


async def test_http_controls_arm_faults_and_read_the_journal(
    client: tuple[EchoSandbox, httpx.AsyncClient],
) -> None:
    _, http = client
    armed = await http.post(
        "/sandbox/faults", json={"path": "/echo", "status": 429, "retry_after": 2}
    )
    assert armed.status_code == 201
    response = await http.get("/echo")
    assert (response.status_code, response.headers["Retry-After"]) == (429, "2")
    delayed = await http.post("/sandbox/faults", json={"path": "/echo", "delay": 0.01})
    assert delayed.status_code == 201
    assert (await http.get("/echo")).status_code == 201

    journal = (await http.get("/sandbox/requests", params={"path": "/echo"})).json()
    assert [r["method"] for r in journal] == ["GET", "GET"]
    assert (await http.delete("/sandbox/requests")).status_code == 204
    assert (await http.get("/sandbox/requests")).json() == []

    await http.post("/sandbox/faults", json={"path": "/echo"})
    assert (await http.delete("/sandbox/faults")).status_code == 204
    assert (await http.get("/echo")).status_code == 201


@pytest.mark.parametrize(
    "spec",
    [
        [],
        {"status": 502},
        {"path": "/echo", "status": 200},
        {"path": "/echo", "times": "x"},
        {"path": "/echo", "status": 429, "retry_after": "soon"},
    ],
)
async def test_http_controls_refuse_a_bad_fault(
    client: tuple[EchoSandbox, httpx.AsyncClient], spec: object
) -> None:
    _, http = client
    response = await http.post("/sandbox/faults", json=spec)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Invalid fault")


@pytest.mark.parametrize("delay", [b"Infinity", b"NaN"])
async def test_http_controls_refuse_a_delay_that_never_ends(
    client: tuple[EchoSandbox, httpx.AsyncClient], delay: bytes
) -> None:
    # Python's JSON reads Infinity and NaN: such a delay would hold the request for ever.
    sandbox, http = client
    body = b'{"path": "/echo", "delay": ' + delay + b"}"
    response = await http.post("/sandbox/faults", content=body)
    assert response.status_code == 400
    assert "finite" in response.json()["detail"]
    assert (await http.get("/echo")).status_code == 201
    assert sandbox.handled == 1


async def test_journal_keeps_only_the_latest_requests() -> None:
    small = PlainSandbox(error_body=lambda s, m: {}, journal_size=2)
    small.app = small.wrap(EchoSandbox().app)
    async with httpx.AsyncClient(transport=small.transport(), base_url="http://sb") as http:
        for body in (b"1", b"2", b"3"):
            await http.post("/echo", content=body)
    assert [r.body for r in small.requests] == [b"2", b"3"]


async def test_serve_listens_on_loopback_and_stops_with_the_block() -> None:
    sandbox = EchoSandbox()
    async with sandbox.serve() as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(base_url=base_url) as http:
            responses = await asyncio.gather(*(http.post("/echo", content=b"x") for _ in range(20)))
        assert {r.status_code for r in responses} == {201}
    assert sandbox.handled == 20
    async with httpx.AsyncClient(base_url=base_url) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get("/echo")


async def test_serve_raises_when_the_port_is_taken() -> None:
    sandbox = EchoSandbox()
    async with sandbox.serve() as base_url:
        port = int(base_url.rsplit(":", 1)[1])
        with pytest.raises(OSError):
            async with sandbox.serve(port=port):
                pass


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback here")
@pytest.mark.parametrize("host", ["::1", "[::1]"])
async def test_serve_takes_an_ipv6_host_with_or_without_brackets(host: str) -> None:
    sandbox = EchoSandbox()
    async with sandbox.serve(host=host) as base_url:
        assert base_url.startswith("http://[::1]:")
        async with httpx.AsyncClient(base_url=base_url) as http:
            assert (await http.get("/echo")).status_code == 201


async def test_the_journal_served_over_http_redacts_credentials(
    client: tuple[EchoSandbox, httpx.AsyncClient],
) -> None:
    sandbox, http = client
    await http.post(
        "/echo",
        data={"grant_type": "password", "username": "+41", "password": "hunter2"},
        headers={"Authorization": "Bearer s3cret-token"},
    )
    [served] = (await http.get("/sandbox/requests")).json()
    assert served["headers"]["authorization"] == "<redacted>"
    assert served["body"] == "grant_type=password&username=%2B41&password=%3Credacted%3E"
    assert "hunter2" not in str(served)
    assert "s3cret-token" not in str(served)
    # In-process, a test still sees exactly what arrived.
    [recorded] = sandbox.requests
    assert recorded.header("authorization") == "Bearer s3cret-token"
    assert b"password=hunter2" in recorded.body


class ClockedEchoSandbox(EchoSandbox):
    """The echo sandbox with a clock of its own, as a skewed server has."""

    def __init__(self, epoch: float) -> None:
        super().__init__()
        self._epoch_clock = lambda: epoch


async def test_answers_are_dated_by_the_sandbox_clock() -> None:
    sandbox = ClockedEchoSandbox(1_700_000_000.0)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sb") as http:
        response = await http.get("/echo")
    assert response.headers.get_list("date") == ["Tue, 14 Nov 2023 22:13:20 GMT"]


async def test_each_request_is_journaled_with_its_arrival_by_the_sandbox_clock() -> None:
    sandbox = ClockedEchoSandbox(1_700_000_000.0)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sb") as http:
        await http.get("/echo")
        sandbox._epoch_clock = lambda: 1_700_000_001.5
        await http.post("/echo", content=b"x")
        served = (await http.get("/sandbox/requests")).json()
    assert [r.received_at for r in sandbox.requests] == [1_700_000_000.0, 1_700_000_001.5]
    assert [r["received_at"] for r in served] == [1_700_000_000.0, 1_700_000_001.5]


async def test_a_served_sandbox_sends_one_date_its_own() -> None:
    sandbox = ClockedEchoSandbox(1_700_000_000.0)
    async with sandbox.serve() as url, httpx.AsyncClient() as http:
        response = await http.get(url + "/echo")
    assert response.headers.get_list("date") == ["Tue, 14 Nov 2023 22:13:20 GMT"]


class BusySandbox(PlainSandbox):
    """A sandbox whose endpoint notes how many requests it handles at once."""

    def __init__(self) -> None:
        super().__init__(error_body=lambda status, message: {"detail": message})
        self.active = self.busiest = 0

        async def work(request: Request) -> Response:
            self.active += 1
            self.busiest = max(self.busiest, self.active)
            await asyncio.sleep(0)  # let any other request in that may come
            self.active -= 1
            return Response(status_code=204)

        self.app = self.wrap(Starlette(routes=[Route("/work", work)]))


@pytest.mark.parametrize("workers", [1, 3])
async def test_a_throttled_sandbox_handles_its_workers_count_at_a_time(workers: int) -> None:
    sandbox = BusySandbox()
    sandbox.throttle(0.001, workers=workers)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sb") as http:
        answers = await asyncio.gather(*(http.get("/work") for _ in range(12)))
        assert [a.status_code for a in answers] == [204] * 12
        assert sandbox.busiest == workers
        sandbox.throttle(0)
        sandbox.busiest = 0
        await asyncio.gather(*(http.get("/work") for _ in range(12)))
    assert sandbox.busiest > workers  # unthrottled: all at once


@pytest.mark.parametrize(
    ("seconds", "workers"), [(-1.0, 1), (float("nan"), 1), (float("inf"), 1), (0.1, 0), (0.1, True)]
)
def test_a_nonsense_throttle_is_refused(seconds: float, workers: int) -> None:
    with pytest.raises(ValueError, match=r"seconds_per_request|workers"):
        EchoSandbox().throttle(seconds, workers=workers)
