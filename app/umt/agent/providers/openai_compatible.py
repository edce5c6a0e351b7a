"""Drafts from an OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, LM Studio, llama.cpp
server, ...), over the standard library's http.client: no proxy surprises for a local model, and
nothing heavy to import in the slim image.

Retries connection failures, timeouts, 429 and 5xx with exponential backoff; a 4xx other than
429 is final (a wrong key or model does not fix itself). The timeout bounds each attempt as a
whole: a watchdog cuts the connection when it runs out, so a server that trickles a byte now and
then (which no per-read timeout catches) cannot hold a drafting thread for ever. The API key travels only in the Authorization header and is never put in a message."""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import ssl
import threading
import time
from urllib.parse import urlsplit

from umt.contract.channels import channel_length
from umt.agent.providers.base import DraftSpec, ProviderError, TextProvider

ANGLES = (
    "lead with the main benefit",
    "open with a question the audience asks themselves",
    "open with a short, concrete scenario",
    "lead with the offer",
    "be bold and very concise",
    "start from the problem the audience has",
    "lead with a specific detail from the brief",
    "be warm and personal",
    "stress why now, honestly, without fake urgency",
    "end with a question that invites replies",
)
_THINKING = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_LABEL_PREFIX = re.compile(r"^(?:here(?:'s| is)[^\n:]*:|variant \d+:|post:|caption:|subject(?: line)?:)\s*",
                           re.IGNORECASE)


def build_messages(spec: DraftSpec, index: int, total: int) -> list[dict]:
    brand = spec.brand
    rule = spec.rule
    system = [f"You are the copywriter for {brand.name}."]
    if brand.voice:
        system.append(f"Brand voice: {brand.voice}.")
    if brand.audience:
        system.append(f"Audience: {brand.audience}.")
    if brand.banned_words:
        system.append("Never use these words: " + ", ".join(brand.banned_words) + ".")
    system.append(f"Write exactly one {rule.summary()}.")
    system.append("Reply with the text only: no preamble, no quotes, no explanations.")
    user = [f"Brief: {spec.brief}"]
    if spec.campaign:
        user.append(f"Campaign: {spec.campaign.name}" + (f" (goal: {spec.campaign.goal})" if spec.campaign.goal else ""))
    if spec.offer:
        user.append(f"Offer: {spec.offer}")
    if spec.call_to_action:
        user.append(f"Call to action: {spec.call_to_action}")
    if spec.keyphrase:
        user.append(f"Use the keyphrase \u201c{spec.keyphrase}\u201d naturally.")
    if brand.hashtags and rule.max_hashtags:
        user.append("Brand hashtags you may use: " + " ".join(brand.hashtags))
    for sample in brand.sample_posts[:3]:
        user.append(f"Example of the brand's past posts (for style only): {sample[:500]}")
    user.append(f"This is variant {index + 1} of {total}: {ANGLES[index % len(ANGLES)]}.")
    return [{"role": "system", "content": " ".join(system)}, {"role": "user", "content": "\n".join(user)}]


def clean_reply(text: str) -> str:
    text = _THINKING.sub("", text).strip()
    text = _LABEL_PREFIX.sub("", text).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'\u201c":
        text = text[1:-1].strip()
    return text


class OpenAICompatibleProvider(TextProvider):
    name = "llm"

    def __init__(self, base_url: str, model: str, api_key: str | None = None, *, timeout: float = 30.0,
                 retries: int = 2, backoff: float = 0.5, temperature: float = 0.8, max_tokens: int = 1024):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProviderError(f"The LLM base URL must be an http(s) URL, got {base_url!r}.")
        self.base_url = base_url.rstrip("/")
        # What messages show: the URL without any user:password@ part.
        self.shown_url = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl().rstrip("/")
        self.model = model
        self._api_key = api_key
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.label = f"LLM draft ({model})"

    def __repr__(self) -> str:  # never show the key
        return f"OpenAICompatibleProvider({self.shown_url!r}, {self.model!r})"

    def write(self, spec: DraftSpec, index: int, total: int) -> str:
        messages = build_messages(spec, index, total)
        text = clean_reply(self.chat(messages))
        if not text:
            raise ProviderError(f"The LLM at {self.shown_url} returned an empty draft.")
        length, limit = channel_length(text, spec.rule), spec.rule.max_chars
        if length > limit:
            # Models miscount characters; one request to shorten usually fixes it. If not, the
            # draft's score says how much to cut.
            shorter = clean_reply(self.chat(messages + [
                {"role": "assistant", "content": text},
                {"role": "user", "content": f"That is {length} characters; the limit is {limit}. Rewrite it "
                                            f"in at most {limit} characters. Reply with the text only."}]))
            if shorter and channel_length(shorter, spec.rule) < length:
                text = shorter
        return text

    def chat(self, messages: list[dict]) -> str:
        body = json.dumps({"model": self.model, "messages": messages, "temperature": self.temperature,
                           "max_tokens": self.max_tokens, "stream": False}).encode()
        last_problem = "no attempt made"
        attempts = self.retries + 1
        for attempt in range(attempts):
            wait = self.backoff * (2 ** attempt)
            try:
                status, headers, payload = self._post(body)
            except socket.timeout:
                last_problem = f"no answer within {self.timeout:g} s"
            except ConnectionRefusedError:
                last_problem = "connection refused (is the server running?)"
            except (OSError, http.client.HTTPException) as error:
                last_problem = f"{type(error).__name__}: {self._redact(str(error))}"
            else:
                if status == 200:
                    return self._content(payload)
                detail = self._error_detail(payload)
                if status in (401, 403):
                    raise ProviderError(f"The LLM endpoint at {self.shown_url} rejected the API key "
                                        f"(HTTP {status}){detail}. Check the key in the app's settings.")
                if status == 404:
                    raise ProviderError(f"The LLM endpoint at {self.shown_url} answered 404{detail}: check the "
                                        f"base URL (it usually ends in /v1) and the model name {self.model!r}.")
                if status != 429 and status < 500:
                    raise ProviderError(f"The LLM endpoint at {self.shown_url} refused the request "
                                        f"(HTTP {status}){detail}.")
                last_problem = f"HTTP {status}{detail}"
                retry_after = headers.get("retry-after", "")
                if retry_after.isdigit():
                    wait = max(wait, min(float(retry_after), 10.0))
            if attempt + 1 < attempts:
                time.sleep(wait)
        raise ProviderError(f"The LLM endpoint at {self.shown_url} is unavailable after {attempts} "
                            f"attempt(s): {last_problem}.")

    def _post(self, body: bytes) -> tuple[int, dict, bytes]:
        parts = urlsplit(self.base_url + "/chat/completions")
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(parts.hostname, parts.port or 443, timeout=self.timeout,
                                                     context=ssl.create_default_context())
        else:
            connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=self.timeout)
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            with contextlib.suppress(OSError, AttributeError):
                connection.sock.shutdown(socket.SHUT_RDWR)

        watchdog = threading.Timer(self.timeout, expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            connection.request("POST", parts.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read(4 * 1024 * 1024)
            if expired.is_set():
                raise socket.timeout("cut off by the watchdog")
            return response.status, {k.lower(): v for k, v in response.getheaders()}, payload
        except (OSError, http.client.HTTPException):
            if expired.is_set():
                raise socket.timeout("cut off by the watchdog") from None
            raise
        finally:
            watchdog.cancel()
            connection.close()

    def _content(self, payload: bytes) -> str:
        try:
            content = json.loads(payload)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise ProviderError(f"The LLM endpoint at {self.shown_url} answered, but not with an OpenAI-style "
                                f"chat completion (choices[0].message.content).") from None
        if not isinstance(content, str):
            raise ProviderError(f"The LLM endpoint at {self.shown_url} returned no text.")
        return content

    def _error_detail(self, payload: bytes) -> str:
        try:
            error = json.loads(payload).get("error")
            message = error.get("message") if isinstance(error, dict) else error
        except (ValueError, AttributeError):
            message = None
        return f": {self._redact(str(message))[:200]}" if message else ""

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "[redacted]") if self._api_key else text
