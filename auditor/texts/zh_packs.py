"""政策文件包本身的问题（auditor/rules/packs.py：查找文件包、读取 pack.yaml），中文措辞。"""
ZH_PACKS = {
    "pack.loose-files": "有政策文件但没有{pack_file}：一个文件包是一个含{pack_file}的文件夹，{pack_file}写明所依据的文件"
                        "（文号、标题、实施期限、条款）；请从安装的 {installed} 中复制一份再修改",
    "pack.neither": "既不是政策文件包（含{pack_file}的文件夹），也不是存放文件包的文件夹：其中没有 .yaml 政策文件",
    "pack.misnamed": "文件包的说明文件应命名为 {pack_file}；用现在的文件名，整个文件夹都不会参与督导",
    "pack.misnamed-policy": "“{name}”：用这个文件名，文件不会参与督导；政策文件名应以 .yaml（小写）结尾，请改名",
    "pack.loose-policy": "政策文件散放在存放文件包的文件夹里，不会参与督导：请把它移入所属文件包（含 {pack_file} 的文件夹）",
    "pack.nested": "存放文件包的文件夹里又套了一层存放文件包的文件夹，其中的文件包不会参与督导：只读取下一层的文件包（含 {pack_file} 的文件夹）；"
                   "请用“--policies”指明这个文件夹，或把其中的文件包上移一层",
    "pack.empty": "文件是空的；{pack_file} 应写明所依据的文件：{keys}",
    "pack.no-files": "文件包中没有 .yaml 政策文件",
    "pack.period": "实施期限的结束日期（{end}）早于开始日期（{start}）",
    "pack.assessment-clause": "评估部分列出的条款“{clause}”不在本文件包的条款中",
}
