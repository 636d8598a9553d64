from ninja import Router

router = Router(tags=["安全承诺"])
