"""The one refusal: a service that will not do what it was asked says why, in Chinese, with the
HTTP status an API answers with (403 role, 404 not found, 409 state, 422 data), and changes
nothing. Each app names its own subclass (hazards' TransitionRefused, grading's GradingRefused,
…); pages show the message, and the API answers any that reaches it (anjian/api.py)."""


class Refused(Exception):
    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status
