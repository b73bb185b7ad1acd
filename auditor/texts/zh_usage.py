"""argparse 对命令行的报错，中文措辞（auditor/cli.py 负责匹配）。"""
ZH_USAGE = {
    "usage.line": "{prog}: {code}: {message}（用法见 {prog} {help}）",
    "usage.required": "缺少必需的参数：{names}",
    "usage.unrecognized": "无法识别的参数：{args}",
    "usage.invalid-choice": "{arg}：“{value}”不是可选值（可选：{choices}）{hint}",
    "usage.expected-one": "{arg} 需要一个值",
    "usage.expected-some": "{arg} 至少需要一个值",
    "usage.invalid-value": "{arg}：“{value}”不是有效的{type}",
    "usage.not-allowed": "{arg} 不能与 {other} 同时使用",
    "usage.one-of": "必须提供以下参数之一：{names}",
    "usage.ambiguous": "{option} 有歧义，可能是：{matches}",
    "usage.other": "{text}",
}
