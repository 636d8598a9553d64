"""The channels a notification reaches a user by, beyond the inbox (which always has it): one
interface, `Channel.send(user, title, text)`, raising ChannelError on a failure so that the
delivery (core.delivery) records it and tries again. A deployment enables channels with
NOTIFY_CHANNELS and configures each (anjian/settings.py); nothing leaves the machine by default
(e-mail to the console, SMS to the log, no robot without its webhook URL)."""

import json
import logging
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.mail import send_mail

logger = logging.getLogger("anjian.notify")


class ChannelError(Exception):
    """A channel could not send: the reason is recorded on the delivery."""


class Channel:
    name = ""
    label = ""

    def address(self, user: Any) -> str:
        """Where this channel reaches the user; empty when it cannot (no e-mail, no phone)."""
        raise NotImplementedError

    def send(self, user: Any, title: str, text: str) -> None:
        raise NotImplementedError


def _post_json(url: str, payload: dict, headers: dict | None = None) -> dict:
    if not url.startswith(("http://", "https://")):
        raise ChannelError("网关地址须以 http:// 或 https:// 开头")
    request = urllib.request.Request(  # noqa: S310 (http or https, checked above)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (as above)
            body = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"网关返回 HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ChannelError(f"无法连接网关：{getattr(exc, 'reason', exc)}") from exc
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


class EmailChannel(Channel):
    name, label = "email", "电子邮件"

    def address(self, user):
        return user.email or ""

    def send(self, user, title, text):
        try:
            send_mail(title, text, None, [user.email], fail_silently=False)
        except Exception as exc:  # SMTP, DNS, socket: each a failed delivery, retried later
            raise ChannelError(f"邮件发送失败：{exc}") from exc


class SmsChannel(Channel):
    """SMS through the deployment's HTTP gateway (SMS_BACKEND "http"), or the log ("log")."""

    name, label = "sms", "短信"

    def address(self, user):
        return user.phone or ""

    def send(self, user, title, text):
        message = settings.SMS_TEMPLATE.format(title=title, text=text)
        if settings.SMS_BACKEND != "http":
            logger.info("SMS to %s: %s", user.phone, message)
            return
        if not settings.SMS_GATEWAY_URL:
            raise ChannelError("未配置短信网关地址（SMS_GATEWAY_URL）")
        headers = {"Authorization": f"Bearer {settings.SMS_GATEWAY_KEY}"}
        _post_json(settings.SMS_GATEWAY_URL, {"phone": user.phone, "text": message}, headers)


class WeComChannel(Channel):
    """A 企业微信 group robot: the message goes to the group, @-mentioning the user by phone."""

    name, label = "wecom", "企业微信群"

    def address(self, user):
        return settings.WECOM_WEBHOOK_URL and (user.phone or "")

    def send(self, user, title, text):
        content = f"{title}\n{text}".strip()
        payload = {
            "msgtype": "text",
            "text": {"content": content, "mentioned_mobile_list": [user.phone]},
        }
        answer = _post_json(settings.WECOM_WEBHOOK_URL, payload)
        if answer.get("errcode", 0) != 0:
            raise ChannelError(
                f"企业微信返回错误 {answer.get('errcode')}：{answer.get('errmsg', '')}"
            )


CHANNELS: dict[str, Channel] = {c.name: c for c in (EmailChannel(), SmsChannel(), WeComChannel())}


def enabled() -> list[Channel]:
    """The channels this deployment offers, in settings order."""
    return [CHANNELS[name] for name in settings.NOTIFY_CHANNELS if name in CHANNELS]


def get(name: str) -> Channel | None:
    return CHANNELS.get(name) if name in settings.NOTIFY_CHANNELS else None


def send(name: str, user: Any, title: str, text: str) -> None:
    """Send by the channel `name`; ChannelError if this deployment does not offer it."""
    channel = get(name)
    if channel is None:
        raise ChannelError("本部署未启用该通知方式")
    channel.send(user, title, text)
