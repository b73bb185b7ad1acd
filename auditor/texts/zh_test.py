"""`auditor test` 关于政策示例的输出（auditor/examples.py），中文措辞。"""
ZH_TEST = {
    "test.error": "{source}: {code}: {document} {policy}：示例“{name}”：{error}",
    "test.failure": "{source}: {code}: {document} {policy}：示例“{name}”：{check} 应为{want}，实为{got}",
    "test.check": "{check}：应为{want}，实为{got}",
    "test.invalid-facts": "示例的事实不是有效的报送材料：{problems}",
    "test.problem": "{problem}{at}",
    "test.no-verdict": "无结论",
    "test.pack": "{document}（{pack}）：示例通过{passed}个，未通过{failed}个",
    "test.total": "共通过{passed}个示例，未通过{failed}个",
}
