"""The gateways' own HTTP server: POST /api/v1/telemetry as a small ASGI application
(anjian/gateway.py, run by uvicorn: `anjian-gateway@PORT` in production, nginx sending that one
path to it), for thousands of small requests a second that the page server's threads would
spend most of their time framing (issue 13).

A request is read, checked and answered on the event loop: the Host against ALLOWED_HOSTS, the
size against TELEMETRY_MAX_BYTES (a declared length before reading, a chunked body as it comes),
the bearer token (this process's memory of the tokens it has seen, else the database), the
envelope (monitoring.envelope). Its readings then wait in this process's queue: one database
thread stores what is queued as one batch through `monitoring.ingest.ingest_many` (the gateways'
tokens checked again as they are locked, so a token revoked elsewhere stores nothing at once),
while the next requests queue behind it; each request gets its own counts. A batch that fails is
settled as the page server's group commit settles one (monitoring.group_commit.store_batch):
the database away fails them all (503, the gateway resends), any other error fails only the
request that causes it. Slow statements and failures count on the 运行状况 page as 采集,
path `http:telemetry`.

The answers are the page server's endpoint's (monitoring/api.py, kept for `make run`, the API
documents and gateways pointed at the page server): 200 with the counts, 401, 413, 422 with
{"detail": "…"}."""

import asyncio
import json
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import close_old_connections, connections
from django.http import HttpRequest

from core import ops
from core.http import RETRY_AFTER_SECONDS, UNAVAILABLE_DETAIL
from core.models import OpsSource
from monitoring import envelope, services
from monitoring.api import GATEWAY_PATHS
from monitoring.group_commit import Unavailable, store_batch
from monitoring.ingest import ingest_many
from monitoring.models import Gateway

logger = logging.getLogger(__name__)

PATH = GATEWAY_PATHS[0]
UNAUTHORIZED = "未认证：请提供有效的网关令牌"
JSON = [(b"content-type", b"application/json; charset=utf-8")]


class Answer(Exception):
    """A refusal: its status and the Chinese reason of its {"detail": …}."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def _store(items) -> list:
    """One batch, in the database thread: items of (gateway, readings, token digest)."""
    close_old_connections()
    with ops.Watch(OpsSource.INGEST, "http:telemetry") as watch:
        try:
            return ingest_many(
                [(gateway, readings) for gateway, readings, _ in items],
                digests=[digest for _, _, digest in items],
            )
        except Unavailable:
            connections.close_all()
            raise
        except Exception as error:
            watch.failed(error)
            raise


def _lookup(token: str):
    close_old_connections()
    return services.gateway_for_token(token, cached=True)


class Queue:
    """The requests waiting to be stored; one batch at a time, in the database thread."""

    def __init__(self, store, most):
        self._store = store
        self._most = most  # a batch's largest size in readings (a setting, read each time)
        self._waiting: deque = deque()
        self._draining = False
        self.database = ThreadPoolExecutor(1, thread_name_prefix="gateway-db")
        self.batches = 0
        self.items = 0

    async def submit(self, item, size: int):
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((item, size, future))
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                batch, room = [self._waiting.popleft()], self._most()
                room -= batch[0][1]
                while self._waiting and self._waiting[0][1] <= room:
                    room -= self._waiting[0][1]
                    batch.append(self._waiting.popleft())
                self.batches += 1
                self.items += len(batch)
                try:
                    settled = await loop.run_in_executor(
                        self.database, store_batch, self._store, [item for item, _, _ in batch]
                    )
                except BaseException:  # the loop is being torn down: nobody is left to answer
                    for _, _, future in batch:
                        future.cancel()
                    raise
                for (_, _, future), (result, error) in zip(batch, settled, strict=True):
                    if future.done():  # the client went away
                        continue
                    if error is not None:
                        future.set_exception(error)
                    else:
                        future.set_result(result)
        finally:
            self._draining = False


class GatewayServer:
    """The ASGI application."""

    def __init__(self):
        self.queue = Queue(_store, lambda: settings.TELEMETRY_HTTP_BATCH_READINGS)
        self.lookups = ThreadPoolExecutor(1, thread_name_prefix="gateway-lookup")

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        try:
            status, body = 200, await self._telemetry(scope, receive)
        except Answer as answer:
            status, body = answer.status, {"detail": answer.detail}
        except Unavailable as error:
            logger.warning("Database unavailable / 数据库不可用: telemetry: %s", error)
            status, body = 503, {"detail": UNAVAILABLE_DETAIL}
        except Exception:
            logger.exception("Telemetry request failed / 监测数据上报处理失败")
            status, body = 500, {"detail": "服务器内部错误"}
        data = json.dumps(body, ensure_ascii=False).encode()
        headers = [*JSON, (b"content-length", str(len(data)).encode())]
        if status == 401:
            headers.append((b"www-authenticate", b"Bearer"))
        if status == 405:
            headers.append((b"allow", b"POST"))
        if status == 503:  # as the API answers it: the gateway resends later
            headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    async def _telemetry(self, scope, receive) -> dict:
        headers = dict(scope["headers"])
        _check_host(headers.get(b"host", b"").decode("latin-1"))
        if scope["path"] != PATH:
            raise Answer(404, "无此接口：本服务只接收 POST /api/v1/telemetry")
        if scope["method"] != "POST":
            raise Answer(405, "仅支持 POST")
        gateway, digest = await self._gateway(headers.get(b"authorization", b""))
        try:
            payload = await _body(headers, receive)
            readings = envelope.readings(envelope.load(payload, envelope.HTTP), envelope.HTTP)
        except envelope.Refused as refused:
            raise Answer(refused.status, refused.reason) from None
        outcome = await self.queue.submit((gateway, readings, digest), max(len(readings), 1))
        if outcome.revoked:  # switched off or its token replaced since it was looked up
            raise Answer(401, UNAUTHORIZED)
        return outcome.as_dict()

    async def _gateway(self, authorization: bytes):
        scheme, _, token = authorization.decode("latin-1").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Answer(401, UNAUTHORIZED)
        gateway = services.remembered_gateway(token)
        if gateway is None:
            loop = asyncio.get_running_loop()
            gateway = await loop.run_in_executor(self.lookups, _lookup, token)
        if gateway is None:
            raise Answer(401, UNAUTHORIZED)
        return gateway, Gateway.hash_token(token)

    async def _lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                # What is queued is stored before the process ends (uvicorn lets the requests
                # in flight finish first).
                for executor in (self.queue.database, self.lookups):
                    executor.submit(connections.close_all)
                    executor.shutdown(wait=True)
                await send({"type": "lifespan.shutdown.complete"})
                return


def _check_host(host: str) -> None:
    """Django's own check of the Host header (ALLOWED_HOSTS), on a request holding only it."""
    request = HttpRequest()
    request.META = {"HTTP_HOST": host}
    try:
        request.get_host()
    except DisallowedHost:
        raise Answer(400, "请求的主机名不被允许") from None


async def _body(headers: dict, receive) -> bytes:
    """The body, at most one byte past TELEMETRY_MAX_BYTES (a declared longer length is refused
    before reading): envelope.load refuses what is past the limit."""
    limit = settings.TELEMETRY_MAX_BYTES
    try:
        declared = int(headers.get(b"content-length", b"0") or 0)
    except ValueError:
        declared = 0
    envelope.check_size(declared, envelope.HTTP)
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Answer(400, "请求体未传完，连接已断开")
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > limit or not message.get("more_body", False):
            return b"".join(chunks)
