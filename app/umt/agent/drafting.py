"""The `draft` task: N variants for a brand, campaign and channel, each scored before it is returned.

The LLM provider is the default when one is configured; templates are used instead only when the
caller asked for them, or allowed them as a fallback (and then every template draft says so)."""

from __future__ import annotations

from dataclasses import dataclass

from umt.agent.channels import CHANNELS
from umt.agent.providers.base import Brand, Campaign, DraftSpec, ProviderError, TextProvider
from umt.agent.settings import AgentSettings
from umt.agent.validation import Fields, InputError, TaskFailed


@dataclass(frozen=True)
class DraftTask:
    spec: DraftSpec
    variants: int
    provider: str | None  # None: the LLM when configured, else templates
    allow_template_fallback: bool


def _brand(fields: Fields) -> Brand:
    return Brand(
        name=fields.text("name", max_length=200),
        voice=fields.text("voice", "", max_length=1000, allow_empty=True),
        audience=fields.text("audience", "", max_length=1000, allow_empty=True),
        banned_words=fields.texts("banned_words", max_items=200, max_length=100),
        hashtags=fields.texts("hashtags", max_items=100, max_length=100),
        sample_posts=fields.texts("sample_posts", max_items=20, max_length=5000),
    )


def _campaign(fields: Fields) -> Campaign:
    channels = fields.texts("channels", max_items=20, max_length=50) if isinstance(fields.data.get("channels"), list) \
        else ([fields.text("channels", max_length=50)] if fields.has("channels") else [])
    return Campaign(
        name=fields.text("name", max_length=200),
        goal=fields.text("goal", "", max_length=1000, allow_empty=True),
        channels=channels,
        start=fields.text("start", None, max_length=40),
        end=fields.text("end", None, max_length=40),
        budget=fields.number("budget", None, minimum=0),
    )


def parse_draft(fields: Fields) -> DraftTask:
    brand = _brand(fields.object("brand"))
    campaign = _campaign(fields.object("campaign")) if fields.has("campaign") else None
    channel = fields.channel("channel")
    spec = DraftSpec(
        brand=brand, campaign=campaign, rule=CHANNELS[channel],
        brief=fields.text("brief", max_length=5000),
        offer=fields.text("offer", None, max_length=1000),
        call_to_action=fields.text("call_to_action", None, max_length=200),
        keyphrase=fields.text("keyphrase", None, max_length=100),
    )
    return DraftTask(
        spec=spec,
        variants=fields.integer("variants", 1, minimum=1, maximum=10),
        provider=fields.text("provider", None, choices=("template", "llm")),
        allow_template_fallback=fields.boolean("allow_template_fallback", False),
    )


def llm_provider(settings: AgentSettings) -> TextProvider | None:
    if not settings.llm_configured:
        return None
    from umt.agent.providers.openai_compatible import OpenAICompatibleProvider

    return OpenAICompatibleProvider(settings.llm_base_url, settings.llm_model, settings.llm_api_key,
                                    timeout=settings.llm_timeout, retries=settings.llm_retries,
                                    backoff=settings.llm_backoff)


def run_draft(task: DraftTask, progress, settings: AgentSettings) -> dict:
    from umt.agent.providers.templates import TemplateProvider
    from umt.agent.scoring import ScoreInput, score_text

    templates = TemplateProvider()
    wanted = task.provider or ("llm" if settings.llm_configured else "template")
    provider: TextProvider = templates
    fallback_reason = None
    if wanted == "llm":
        llm = llm_provider(settings)
        if llm is not None:
            provider = llm
        elif task.allow_template_fallback:
            fallback_reason = "No LLM endpoint is configured (set its base URL and model in the app's settings)."
        else:
            raise InputError("provider", "asks for the LLM, but no LLM endpoint is configured: set its base URL "
                             "and model in the app's settings, or ask for templates", "llm_not_configured", 409)

    spec = task.spec
    variants = []
    for index in range(task.variants):
        progress(index / task.variants, f"writing variant {index + 1} of {task.variants}")
        try:
            text = provider.write(spec, index, task.variants)
            used = provider
        except ProviderError as error:
            if not task.allow_template_fallback:
                raise TaskFailed(str(error), "llm_unavailable") from None
            fallback_reason = f"{error} Template drafts were used instead."
            provider = used = templates
            text = templates.write(spec, index, task.variants)
        scored = score_text(ScoreInput(text=text, channel=spec.rule.key, keyphrase=spec.keyphrase,
                                       banned_words=spec.brand.banned_words, brand_hashtags=spec.brand.hashtags))
        variants.append({"text": text, "provider": used.name, "label": used.label,
                         "score": {key: scored[key] for key in ("score", "rating", "publishable", "reasons")}})
    progress(1.0, "done")
    providers_used = {variant["provider"] for variant in variants}
    return {
        "channel": spec.rule.key,
        "rules": spec.rule.summary(),
        "provider": providers_used.pop() if len(providers_used) == 1 else "mixed",
        "model": settings.llm_model if any(v["provider"] == "llm" for v in variants) else None,
        "fallback": {"used": True, "reason": fallback_reason} if fallback_reason else {"used": False, "reason": None},
        "variants": variants,
    }
