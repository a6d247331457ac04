"""Fetching a page or a feed on an admin's word, without becoming a way into the operator's
network.

Only ``http`` and ``https``; a time limit over the whole fetch, redirects included; a size
limit enforced while reading; each redirect checked again. Addresses are checked after DNS
resolution, inside aiohttp's connector (``_CheckedResolver``), so the address checked is
the address connected to: a name that resolves to 127.0.0.1, or that resolves to a public
address when asked first and a private one when connecting, is refused. What counts as
public is the standard library's ``ipaddress.is_global`` (IANA's special-purpose
registries: private, loopback, link-local and the cloud metadata address 169.254.169.254,
shared and reserved ranges, IPv4 inside IPv6).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

from bot import __version__
from bot.articles.errors import ArticleError
from bot.config import ArticleConfig
from bot.i18n import N_

USER_AGENT = (
    f"newsbot/{__version__} (Telegram bot fetching articles for its channel's editors; "
    "+https://github.com/newsbot/newsbot)"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int
    timeout: float
    max_redirects: int
    private_addresses: bool
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def of(cls, settings: ArticleConfig, *, max_bytes: int | None = None) -> FetchPolicy:
        return cls(
            max_bytes=max_bytes or settings.max_page_bytes,
            timeout=settings.fetch_timeout.total_seconds(),
            max_redirects=settings.fetch_max_redirects,
            private_addresses=settings.fetch_private_addresses,
            allowed_networks=tuple(
                ipaddress.ip_network(network, strict=False)
                for network in settings.fetch_allowed_networks
            ),
        )

    def refuses(self, address: IPAddress) -> bool:
        """Whether connecting to ``address`` could reach the operator's own network."""
        if self.private_addresses:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.allowed_networks):
            return False
        return not address.is_global


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int  # 200, or 304 for a conditional request answered "not modified"
    body: bytes
    content_type: str
    charset: str | None
    etag: str | None
    last_modified: str | None


class _Refused(Exception):
    """An address the policy refuses, raised from inside the connector."""

    def __init__(self, host: str) -> None:
        super().__init__(host)
        self.host = host


class _CheckedResolver(AbstractResolver):
    def __init__(self, policy: FetchPolicy) -> None:
        self._policy = policy
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if any(self._policy.refuses(ipaddress.ip_address(r["host"])) for r in results):
            raise _Refused(host)
        return results

    async def close(self) -> None:
        await self._inner.close()


def check_address(url: str, policy: FetchPolicy) -> URL:
    """The URL, if it may be fetched as written (scheme, host, a literal address)."""
    try:
        parsed = URL(url)
    except (ValueError, TypeError):
        raise ArticleError(N_("that is not a web address")) from None
    if parsed.scheme not in ("http", "https"):
        raise ArticleError(N_("only http:// and https:// links can be fetched"))
    if not parsed.host:
        raise ArticleError(N_("that is not a web address"))
    try:
        literal = ipaddress.ip_address(parsed.host.strip("[]"))
    except ValueError:
        return parsed  # a name: checked once resolved
    if policy.refuses(literal):
        raise _private(parsed.host)
    return parsed


def _private(host: str) -> ArticleError:
    return ArticleError(
        N_(
            "{host} is a private or local address, which newsbot does not fetch "
            "(articles.fetch_private_addresses)"
        ),
        host=host,
    )


async def fetch(
    url: str,
    policy: FetchPolicy,
    *,
    accept: str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """The page at ``url``; ``ArticleError`` saying in one line why not."""
    headers = {"User-Agent": USER_AGENT, "Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    connector = aiohttp.TCPConnector(resolver=_CheckedResolver(policy), use_dns_cache=False)
    async with aiohttp.ClientSession(
        connector=connector, headers=headers, trust_env=False
    ) as session:
        try:
            async with asyncio.timeout(policy.timeout):
                return await _follow(session, check_address(url, policy), policy)
        except TimeoutError:
            raise ArticleError(
                N_("the page did not answer in time (limit: {seconds} s)"),
                seconds=round(policy.timeout),
            ) from None
        except _Refused as exc:
            raise _private(exc.host) from None
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.__cause__, _Refused):
                raise _private(exc.__cause__.host) from None
            raise ArticleError(N_("could not connect to {host}"), host=exc.host) from None
        except aiohttp.ClientError as exc:
            raise ArticleError(
                N_("the page could not be fetched ({reason})"), reason=type(exc).__name__
            ) from None


async def _follow(session: aiohttp.ClientSession, url: URL, policy: FetchPolicy) -> Fetched:
    seen = {str(url)}
    for _hop in range(policy.max_redirects + 1):
        async with session.get(url, allow_redirects=False) as response:
            if response.status in _REDIRECTS and "Location" in response.headers:
                url = check_address(str(url.join(URL(response.headers["Location"]))), policy)
                if str(url) in seen:
                    raise ArticleError(N_("the page redirects in a loop"))
                seen.add(str(url))
                continue
            if response.status == 304:
                return _fetched(url, response, b"")
            if response.status != 200:
                raise ArticleError(
                    N_("the page answered HTTP {status} ({reason})"),
                    status=response.status,
                    reason=response.reason or "",
                )
            return _fetched(url, response, await _read(response, policy.max_bytes))
    raise ArticleError(
        N_("the page redirects too often (limit: {count})"), count=policy.max_redirects
    )


async def _read(response: aiohttp.ClientResponse, limit: int) -> bytes:
    if response.content_length is not None and response.content_length > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def _too_large(limit: int) -> ArticleError:
    return ArticleError(
        N_("the page is larger than {limit:,} bytes (articles.max_page_bytes)"), limit=limit
    )


def _fetched(url: URL, response: aiohttp.ClientResponse, body: bytes) -> Fetched:
    headers: Any = response.headers
    return Fetched(
        url=str(url),
        status=response.status,
        body=body,
        content_type=response.content_type,
        charset=response.charset,
        etag=headers.get("ETag"),
        last_modified=headers.get("Last-Modified"),
    )
