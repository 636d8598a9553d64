"""A tip's states and the public's view of them, apart from the models so that services and
pages read one table."""

from django.db import models


class State(models.TextChoices):
    SUBMITTED = "submitted", "待受理"
    ACCEPTED = "accepted", "已受理"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    VERIFYING = "verifying", "核查中"
    VERIFIED = "verified", "核查属实"
    NOT_VERIFIED = "not_verified", "核查不属实"
    REPLIED = "replied", "已答复办结"


# Still waiting to be accepted; waiting for the reply (answered or refused ends it).
AWAITING_ACCEPTANCE = (State.SUBMITTED,)
AWAITING_REPLY = (
    State.SUBMITTED,
    State.ACCEPTED,
    State.VERIFYING,
    State.VERIFIED,
    State.NOT_VERIFIED,
)
FINAL = (State.NOT_ACCEPTED, State.REPLIED)

# What the tipster reads for each state (no staff names, no other tips).
PUBLIC_LABELS = {
    State.SUBMITTED: "已收到，等待受理",
    State.ACCEPTED: "已受理，等待核查",
    State.NOT_ACCEPTED: "不予受理",
    State.VERIFYING: "正在核查",
    State.VERIFIED: "核查属实，正在处理",
    State.NOT_VERIFIED: "核查未发现所举报问题，等待答复",
    State.REPLIED: "已答复，办结",
}

# The transitions: action -> (from states, to state, label).
TRANSITIONS = {
    "accept": ((State.SUBMITTED,), State.ACCEPTED, "受理"),
    "refuse": ((State.SUBMITTED,), State.NOT_ACCEPTED, "不予受理"),
    "start": ((State.ACCEPTED,), State.VERIFYING, "开始核查"),
    "verify": ((State.VERIFYING,), State.VERIFIED, "核查属实"),
    "dismiss": ((State.VERIFYING,), State.NOT_VERIFIED, "核查不属实"),
    "reply": ((State.VERIFIED, State.NOT_VERIFIED), State.REPLIED, "答复办结"),
}


class RewardState(models.TextChoices):
    DECIDED = "decided", "已核定"
    APPROVED = "approved", "已审批"
    PAID = "paid", "已发放"
