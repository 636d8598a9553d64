from ninja import Router

router = Router(tags=["事故与警示"])
