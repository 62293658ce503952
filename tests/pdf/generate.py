"""Generates the PDF fixtures of tests/pdf/ and the sample note of
corpus/sample/: fictional broker notes written for ticai's tests (no text
is copied from any report).

* note-cid.pdf: reportlab's built-in CID font STSong-Light, which PDF
  readers must decode through the predefined CMap UniGB-UCS2-H (the font
  is not embedded and has no ToUnicode map); a cover with title, broker,
  analysts, date, rating and target price; two-column body pages; a table;
  running header and footer; a disclaimer section; an Info title that is a
  file name.
* note-ttf.pdf: fpdf2 with an embedded subset of WenQuanYi Micro Hei
  (Identity-H with a ToUnicode map); one column over several pages,
  another header and footer style (第 N 页 共 M 页).
* encrypted.pdf: needs the user password "secret".
* scan.pdf: one page that is an image, no text layer.
* corpus/sample/2026-11-25-liquid-cooling-note.pdf: a short note for the demo.

fixtures.json says what the extracted text must hold, in order, and what
it must not. Run through tests/pdf/make-fixtures (which makes the venv).
"""

import json
import os
import sys

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
SAMPLE = sys.argv[2] if len(sys.argv) > 2 else os.path.join(OUT, "..", "..", "corpus", "sample")
FONT_TTC = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
W, H = A4

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
CID = "STSong-Light"


def wrap(text, n):
    return [text[i : i + n] for i in range(0, len(text), n)]


# ---------------------------------------------------------------- note-cid

CID_TITLE = ["光模块需求持续上修", "CPO与铜缆进入放量期"]
CID_SUMMARY = (
    "我们认为海外云厂商资本开支上修带动高速光模块需求，800G产品出货持续放量，"
    "1.6T产品将于明年批量交付。维持行业推荐评级，重点关注中际旭创与新易盛。"
)
LEFT = [
    ("一、光模块需求持续上修", [
        "本季度北美四家云厂商合计资本开支同比增长约四成，其中用于训练集群的网络投入占比继续提升。"
        "我们测算每万张加速卡对应的光模块需求约为两万五千只，左栏甲段落到此为止。",
        "从订单节奏看，头部厂商的排产已经覆盖到明年二季度，部分型号出现供不应求的情况，"
        "左栏乙段落描述了产能爬坡与良率改善的过程。",
    ]),
    ("二、铜缆在机柜内的替代", [
        "在超节点方案中，机柜内部的短距互联更多采用高速铜缆，成本与功耗均低于光方案，"
        "左栏丙段落认为铜缆与光模块是互补而非替代关系。",
    ]),
]
RIGHT = [
    ("三、液冷与电源配套", [
        "单机柜功率提升至百千瓦以上后，冷板式液冷成为主流选择，右栏甲段落提到英维克等公司已"
        "进入海外供应链，配套的电源模块同样受益。",
        "我们预计明年液冷渗透率将明显提升，右栏乙段落给出了分季度的出货假设与敏感性分析。",
    ]),
    ("四、风险提示", [
        "下游资本开支不及预期、技术路线变化、贸易摩擦加剧，右栏丙段落列出以上三项主要风险。",
    ]),
]
# a paragraph that runs from the foot of the left column to the head of
# the right one: its left part fills exactly two lines (21 + 23 characters)
CROSS_LEFT = "跨栏段落从左栏底部开始：交换芯片与光引擎的协同设计决定了系统的整体功耗水平，而光器件封装"
CROSS_RIGHT = "良率与散热方案共同影响量产节奏，跨栏段落在右栏顶部结束。"
assert len(CROSS_LEFT) == 44, len(CROSS_LEFT)
TABLE = [
    ["公司", "代码", "2026E营收(亿元)", "评级"],
    ["中际旭创", "300308", "520.3", "买入"],
    ["新易盛", "300502", "260.8", "买入"],
    ["英维克", "002837", "78.6", "增持"],
]
DISCLAIMER = [
    ("分析师声明", "作者具有中国证券业协会授予的证券投资咨询执业资格，保证报告所采用的数据均来自合规渠道。"),
    ("评级说明", "买入：未来六个月内相对强于市场表现百分之十五以上；增持：相对强于市场表现百分之五至十五。"),
    ("免责声明", "本报告仅供示例证券研究所的客户使用，本公司不会因接收人收到本报告而视其为客户。"),
]
CID_HEADER = "请务必阅读正文之后的免责声明及其项下所有内容"
CID_FOOTER = "示例证券研究所 证券研究报告"


def cid_header_footer(c, page, header=True):
    c.setFont(CID, 8)
    if header:
        c.drawString(50, H - 30, CID_HEADER)
    c.drawString(50, 28, CID_FOOTER)
    c.drawRightString(W - 50, 28, str(page))


def para_lines(p, chars):
    """A paragraph's lines: the first indented two characters."""
    first = chars - 2
    return [p[:first]] + wrap(p[first:], chars)


def column(c, x, y, sections, chars):
    for heading, paras in sections:
        c.setFont(CID, 12)
        c.drawString(x, y, heading)
        y -= 20
        c.setFont(CID, 10)
        for p in paras:
            for i, line in enumerate(para_lines(p, chars)):
                c.drawString(x + (20 if i == 0 else 0), y, line)
                y -= 15
            y -= 8
        y -= 6
    return y


def note_cid(path):
    c = canvas.Canvas(path, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle("Microsoft Word - 20261120.docx")
    # cover
    c.setFont(CID, 12)
    c.drawString(50, H - 60, "示例证券研究所")
    c.drawString(50, H - 80, "行业深度报告")
    c.setFont(CID, 24)
    c.drawString(50, H - 140, CID_TITLE[0])
    c.drawString(50, H - 172, CID_TITLE[1])
    c.setFont(CID, 11)
    for k, line in enumerate(["分析师：张三 李四", "报告日期：2026年11月20日", "投资评级：买入（维持）", "目标价：45.60元"]):
        c.drawString(50, H - 220 - 18 * k, line)
    c.setFont(CID, 11)
    y = H - 320
    for line in wrap(CID_SUMMARY, 44):
        c.drawString(50, y, line)
        y -= 17
    cid_header_footer(c, 1, header=False)
    c.showPage()
    # two columns, same baselines on both sides
    cid_header_footer(c, 2)
    y = column(c, 50, H - 70, LEFT, 23)
    c.setFont(CID, 10)
    for i, line in enumerate(para_lines(CROSS_LEFT, 23)):
        c.drawString(50 + (20 if i == 0 else 0), y, line)
        y -= 15
    y = H - 70
    for line in wrap(CROSS_RIGHT, 23):
        c.drawString(315, y, line)
        y -= 15
    column(c, 315, y - 8, RIGHT, 23)
    c.showPage()
    # a full-width table, then more text
    cid_header_footer(c, 3)
    c.setFont(CID, 12)
    c.drawString(50, H - 70, "表1：重点公司盈利预测")
    c.setFont(CID, 10)
    xs = [50, 170, 290, 450]
    for r, row in enumerate(TABLE):
        for x, cell in zip(xs, row):
            c.drawString(x, H - 95 - 18 * r, cell)
    c.setFont(CID, 10)
    y = H - 200
    for line in wrap("五、投资建议：算力网络的建设仍处于早期，我们维持行业推荐评级，表后段落到此结束。", 46):
        c.drawString(50, y, line)
        y -= 15
    c.showPage()
    # the disclaimer
    cid_header_footer(c, 4)
    y = H - 70
    for heading, body in DISCLAIMER:
        c.setFont(CID, 12)
        c.drawString(50, y, heading)
        y -= 20
        c.setFont(CID, 9)
        for line in wrap(body, 50):
            c.drawString(50, y, line)
            y -= 14
        y -= 10
    c.showPage()
    c.save()


# ---------------------------------------------------------------- note-ttf

TTF_TITLE = "寒武纪：国产算力订单兑现，云端芯片放量"
TTF_BODY = [
    ("核心观点", [
        "公司发布三季度报告，营收同比大幅增长，主要来自云端智能芯片及加速卡的批量交付，一栏甲段落到此。",
        "我们认为国产算力替代的节奏正在加快，去英伟达化的需求从互联网厂商扩展到运营商与政务云，一栏乙段落到此。",
    ]),
    ("盈利预测", [
        "预计公司2026年至2028年营收分别为九十亿元、一百四十亿元与一百九十亿元，首次覆盖给予增持评级，一栏丙段落到此。",
    ]),
    ("经营分析", [
        f"第{k}段经营分析：公司持续加大研发投入，新一代训练芯片完成流片，与多家服务器厂商完成适配，推理卡在运营商集采中份额提升。"
        for k in range(1, 13)
    ]),
    ("风险提示", [
        "先进制程产能受限、客户集中度较高、行业竞争加剧，一栏丁段落到此。",
    ]),
]
TTF_HEADER = "星河证券 | 公司点评"


def note_ttf(path):
    from fpdf import FPDF

    class Note(FPDF):
        def header(self):
            if self.page_no() > 1:
                self.set_font("wqy", size=8)
                self.set_xy(20, 10)
                self.cell(0, 5, TTF_HEADER, new_x="LMARGIN", new_y="NEXT")
                self.ln(5)

        def footer(self):
            self.set_font("wqy", size=8)
            self.set_xy(0, -15)
            self.cell(0, 5, f"第 {self.page_no()} 页 共 {{nb}} 页", align="C")

    pdf = Note(format="A4", unit="mm")
    pdf.set_creation_date(__import__("datetime").datetime(2026, 11, 18, tzinfo=__import__("datetime").timezone.utc))
    pdf.set_title("")
    pdf.set_auto_page_break(True, margin=25)
    pdf.add_font("wqy", fname=FONT_TTC)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("wqy", size=11)
    pdf.cell(0, 8, "星河证券", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, "公司点评", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("wqy", size=20)
    pdf.multi_cell(0, 10, TTF_TITLE)
    pdf.ln(6)
    pdf.set_font("wqy", size=10)
    for line in ["分析师：王五", "发布日期：2026-11-18", "评级：增持（首次）"]:
        pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.multi_cell(0, 6, "本报告点评公司三季度业绩，封面摘要段落到此。")
    pdf.add_page()
    for heading, paras in TTF_BODY:
        pdf.set_font("wqy", size=13)
        pdf.cell(0, 9, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("wqy", size=10)
        for p in paras:
            pdf.multi_cell(0, 6, "　　" + p)
            pdf.ln(3)
    pdf.add_page()
    pdf.set_font("wqy", size=13)
    pdf.cell(0, 9, "免责声明", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("wqy", size=9)
    pdf.multi_cell(0, 5, "本报告由星河证券研究所编写，仅供本公司客户参考，不构成任何投资建议。")
    pdf.output(path)


# ---------------------------------------------------------------- the rest


def encrypted(path):
    c = canvas.Canvas(path, pagesize=A4, invariant=1, encrypt="secret")
    c.setFont(CID, 12)
    c.drawString(50, H - 80, "这份报告需要密码才能打开，内容关于算力租赁。")
    c.showPage()
    c.save()


def scan(path):
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    img = Image.new("L", (300, 420), 255)
    d = ImageDraw.Draw(img)
    for k in range(12):
        d.rectangle([30, 40 + 30 * k, 270 - (k % 3) * 40, 52 + 30 * k], fill=40)
    c = canvas.Canvas(path, pagesize=A4, invariant=1)
    c.drawImage(ImageReader(img), 0, 0, W, H)
    c.showPage()
    c.save()


SAMPLE_TITLE = "液冷与超节点：机柜功率提升打开温控空间"


def sample_note(path):
    c = canvas.Canvas(path, pagesize=A4, invariant=1)
    c.setTitle("")
    c.setFont(CID, 12)
    c.drawString(50, H - 60, "示例证券研究所")
    c.setFont(CID, 20)
    c.drawString(50, H - 110, SAMPLE_TITLE)
    c.setFont(CID, 11)
    c.drawString(50, H - 150, "分析师：赵六")
    c.drawString(50, H - 168, "报告日期：2026年11月25日")
    c.drawString(50, H - 186, "投资评级：增持（维持）")
    body = [
        "国产超节点方案陆续落地，单机柜功率从数十千瓦提升到百千瓦以上，风冷已难以满足散热需求，冷板式液冷成为新建智算中心的主流选择。",
        "英维克的液冷产品已进入多家服务器厂商的供应链，中科曙光的浸没式液冷在超节点中批量应用，我们看好温控环节的量价齐升。",
    ]
    y = H - 230
    c.setFont(CID, 10.5)
    for p in body:
        for line in wrap(p, 46):
            c.drawString(50, y, line)
            y -= 16
        y -= 8
    c.setFont(CID, 8)
    c.drawString(50, 28, CID_FOOTER)
    c.drawRightString(W - 50, 28, "1")
    c.showPage()
    c.setFont(CID, 8)
    c.drawString(50, H - 30, CID_HEADER)
    c.drawString(50, 28, CID_FOOTER)
    c.drawRightString(W - 50, 28, "2")
    c.setFont(CID, 10.5)
    c.drawString(50, H - 80, "风险提示：数据中心建设节奏放缓，液冷渗透率不及预期。")
    c.setFont(CID, 12)
    c.drawString(50, H - 130, "免责声明")
    c.setFont(CID, 9)
    c.drawString(50, H - 150, "本报告仅供示例证券研究所的客户使用。")
    c.showPage()
    c.save()


def main():
    os.makedirs(OUT, exist_ok=True)
    note_cid(os.path.join(OUT, "note-cid.pdf"))
    note_ttf(os.path.join(OUT, "note-ttf.pdf"))
    encrypted(os.path.join(OUT, "encrypted.pdf"))
    scan(os.path.join(OUT, "scan.pdf"))
    os.makedirs(SAMPLE, exist_ok=True)
    sample_note(os.path.join(SAMPLE, "2026-11-25-liquid-cooling-note.pdf"))
    expected = {
        "note-cid.pdf": {
            "title": "".join(CID_TITLE),
            "source": "示例证券研究所",
            "author": ["张三", "李四"],
            "published_at": "2026-11-20",
            "rating": "买入（维持）",
            "target_price": "45.60",
            "paragraphs_in_order": [
                "800G产品出货持续放量",
                "一、光模块需求持续上修",
                "左栏甲段落到此为止",
                "左栏乙段落描述了产能爬坡",
                "二、铜缆在机柜内的替代",
                "左栏丙段落认为铜缆",
                "跨栏段落从左栏底部开始",
                "跨栏段落在右栏顶部结束",
                "三、液冷与电源配套",
                "右栏甲段落提到英维克",
                "右栏乙段落给出了",
                "四、风险提示",
                "右栏丙段落列出",
                "表1：重点公司盈利预测",
                "公司 代码 2026E营收(亿元) 评级",
                "中际旭创 300308 520.3 买入",
                "新易盛 300502 260.8 买入",
                "英维克 002837 78.6 增持",
                "表后段落到此结束",
            ],
            "paragraphs": [
                CROSS_LEFT + CROSS_RIGHT,
                "二、铜缆在机柜内的替代",
                "中际旭创 300308 520.3 买入",
            ],
            "absent": [
                CID_HEADER,
                CID_FOOTER,
                "分析师声明",
                "评级说明",
                "免责声明",
                "中国证券业协会",
                "行业深度报告示例",
                "Microsoft Word",
            ],
        },
        "note-ttf.pdf": {
            "title": TTF_TITLE,
            "source": "星河证券",
            "author": ["王五"],
            "published_at": "2026-11-18",
            "rating": "增持（首次）",
            "paragraphs_in_order": [
                "封面摘要段落到此",
                "核心观点",
                "一栏甲段落到此",
                "一栏乙段落到此",
                "盈利预测",
                "一栏丙段落到此",
                "第1段经营分析",
                "第12段经营分析",
                "风险提示",
                "一栏丁段落到此",
            ],
            "paragraphs": ["核心观点", "盈利预测"],
            "absent": [TTF_HEADER, "第 1 页", "第 2 页", "共", "免责声明", "不构成任何投资建议"],
        },
        "encrypted.pdf": {"status": "failed", "reason": "encrypted with a password"},
        "scan.pdf": {"status": "failed", "reason": "no text layer"},
    }
    with open(os.path.join(OUT, "fixtures.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
