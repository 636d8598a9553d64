from ninja import Router

router = Router(tags=["员工隐患报告奖励"])
