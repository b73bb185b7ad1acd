"""The Chinese words of judging's messages: the rule engine's own errors and its disagreements with the
reference evaluator (I-ENGINE, I-DISAGREE), waivers (W-*, and what became of each) and ``auditor explain``'s
arguments. Joined to ``zh.py``'s table in :mod:`auditor.texts`; the same ids and placeholders in both languages."""

ZH_JUDGING = {
    # the program's own errors (I-ENGINE, I-DISAGREE; auditor/evaluate/engine.py, reconcile.py)
    "engine.reserved": "字段“{field}”是规则引擎的保留字段，规则不能读取",
    "engine.refused-rules": "规则引擎拒绝了编译后的规则：{detail}",
    "engine.action-failed": "规则引擎的一个动作失败：{kind}",
    "engine.no-sentinel": "规则引擎没有运行哨兵动作；引擎的结果不可信",
    "engine.own-action": "规则引擎自行运行了动作“{rule}”",
    "engine.unreadable-action": "规则引擎发来一个本程序无法读取的动作",
    "engine.action-no-facts": "规则引擎发来的动作没有附带记录",
    "engine.swallowed": "规则引擎的一个动作引发了异常，却被引擎吞掉了：{detail}",
    "engine.refused-records": "规则引擎拒绝了 {count} 条记录（重新加盐 {salts} 次后仍然如此），例如 {example}",
    "engine.disagree": "{district}：检查“{check}”（第 {step} 步）：规则引擎与参考求值器的结果不一致；{differences}",
    "engine.disagree-outcome": "“{outcome}”：只有引擎这样判定的：{engine}，只有参考求值器这样判定的：{reference}",
    "engine.disagree-pass": "“pass”：引擎判为合格的有 {engine} 条，参考求值器 {reference} 条",
    "engine.refused-batch": "规则引擎拒绝了一批记录（{count} 条）：{reason}",
    "engine.out-of-memory": "内存不足（“MemoryError”）：请减少同时审计的区县数（“--jobs”），或给进程更多内存",
    "engine.no-message": "{kind}（没有说明）",
    "engine.in-district": "{district}：“{kind}”记录：{problem}",
    # waivers (auditor/rules/waivers.py)
    "waiver.not-folder": "这是文件，不是文件夹：应指定存放豁免文件的文件夹",
    "waiver.no-folder": "豁免文件夹不存在",
    "waiver.file-empty": "文件为空；豁免文件须列出豁免事项",
    "waiver.district": "未知的区县（市）“{district}”{hint}",
    "waiver.check": "政策中没有检查项“{check}”{hint}",
    "waiver.clause": "政策中没有条款“{clause}”的检查项{hint}",
    "waiver.pack": "未审核名为“{pack}”的政策文件（请写文件编号或文号）{hint}",
    "waiver.check-pack": "检查项“{check}”不属于文件“{pack}”，而属于“{other}”",
    "waiver.clause-pack": "文件“{pack}”中没有条款“{clause}”的检查项；该条款在{others}中",
    "waiver.clause-packs": "条款“{clause}”在多个政策文件中都有（{packs}）：请在“scope”中用“pack”写明所指文件",
    "waiver.dates": "有效期截止日 {until} 早于起始日 {since}",
    "waiver.duplicate-id": "豁免编号“{id}”已在 {source} 使用",
    "waiver.overlap": "豁免“{id}”与豁免“{other}”（{source}）在部分日期覆盖相同事项；请合并，或缩小其中之一的范围或有效期",
    # what became of a waiver, on stderr after an audit (auditor/commands.py)
    "waiver.expired": "豁免已过期（有效期至{until}），未予适用：{checks}",
    "waiver.not-yet-valid": "豁免尚未生效（自{since}起），未予适用",
    "waiver.unused": "豁免未使用：所涉事项无未达标或数据缺失的记录",
    "waiver.unused-records": "豁免未使用：所列记录（{records}）均已达标或不适用，不在未达标或数据缺失的记录之列",
    "waiver.unused-not-submitted": "豁免未使用：{district}未报送材料，无从核对所列记录（{records}）",
    "waiver.unused-no-verdict": "豁免未使用：所涉检查项对该区县（市）没有结论",
    # a waiver's records (auditor/rules/waivers.py at load, auditor/audit.py against the submissions)
    "waiver.record-key": "“{record}”不是记录键：应与结论文件“findings.json”中的写法相同，如“class:学校代码/班级编号”“school:学校代码”“school_stage:学校代码/primary”“document:序号”“district”",
    "waiver.record-kind": "记录“{record}”是 {kind} 记录，而所涉检查项判定的是 {kinds} 记录，豁免不会生效",
    "waiver.record-absent": "所列记录“{record}”不在{district}的报送材料中，豁免不会生效；请核对记录键",
    # auditor explain's arguments (auditor/explain.py)
    "explain.check": "政策中没有检查项“{check}”{hint}",
    "explain.district": "未知的区县（市）“{district}”{hint}",
    "explain.item-kind": "检查项“{check}”判定的是 {kinds} 记录，“{record}”是 {kind} 记录",
    "explain.city-check": "检查项“{check}”不对{district}判定（它是全市的检查项）",
    "explain.district-check": "检查项“{check}”不对{district}判定（它是各区县的检查项）",
}
