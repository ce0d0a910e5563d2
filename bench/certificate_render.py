"""Benchmark: certificates per second for one realistic Vietnamese certificate, five ways.

    .venv/bin/python bench/certificate_render.py [--count 200] [--weasy-count 40] [--warmup 5]

One certificate (holder "Nguyễn Thị Ngọc Ánh", a long course name, an issuer with a long
governing body, a verify URL of realistic length carrying an Ed25519 token signed by
a fresh Ed25519 key, as ``certificates.signing`` makes them) is rendered ``--count`` times after a
warm-up, and the script prints certificates/second for:

(a) ``certificates.rendering.render_pdf`` (the QR drawn as one path) in one process;
(b) the same in 2 processes (``multiprocessing.Pool(2)``): total throughput and the ratio to (a);
(c) the same certificate with ReportLab's ``QrCodeWidget`` drawn into a ``Drawing`` and
    ``renderPDF.draw`` onto the canvas instead of our path (patched in here, the project's
    renderer is not changed), one process;
(d) WeasyPrint rendering an equivalent HTML certificate (same text, IBM Plex Serif from the
    ``fontpkg_ibm_plex_serif`` package via ``@font-face`` file URLs, the QR as inline SVG made
    with segno), one process, ``--weasy-count`` times (it is slower); needs ``pip install weasyprint``;
(e) text only (no verify URL, so no QR), one process.

The data is fixed (the only random choice, a register number, uses ``random.Random(2026)``);
the signing key is new on every run, so the token's bytes differ between runs but not its length.
The machine's other load moves the figures: run it twice and compare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import html
import multiprocessing
import os
import random
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import _scratch  # points the app at a scratch data folder before anything of ours is imported

os.environ["TRAINING_BASE_URL"] = "https://chungchi.ctxh.khanhhoa.gov.vn"  # what a province would serve on
VIEW = None  # the certificate every worker renders (set before the pool forks)


def make_view(rng: random.Random):
    """The certificate: a realistic snapshot and a verify URL with a token signed by a fresh KeyRing."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from certificates.rendering import CertificateView
    from certificates.signing import b64e, canonical_payload, key_id, verify_token
    from certificates.storage import verify_url
    from certificates.verification import token_fields

    register = rng.randrange(1, 1500)
    number = f"CTXHKH-2026-{register:06d}"
    row = {
        "number": number, "holder_name": "Nguyễn Thị Ngọc Ánh", "course_code": "CTXH-BD-2026-01",
        "level": "refresher", "hours": 120, "start_date": dt.date(2026, 3, 2), "end_date": dt.date(2026, 6, 26),
        "issued_on": dt.date(2026, 7, 10), "expires_on": dt.date(2031, 7, 10),
    }
    private = Ed25519PrivateKey.generate()  # a fresh key, as certificates.signing makes them
    payload = canonical_payload({**token_fields(row), "kid": key_id(private.public_key())})
    token = b64e(payload) + "." + b64e(private.sign(payload))
    assert verify_token(token, lambda _kid: private.public_key())["n"] == number
    issuer = {
        "governing_body": "SỞ Y TẾ TỈNH KHÁNH HÒA",
        "issuer_name": "TRUNG TÂM CÔNG TÁC XÃ HỘI TỈNH KHÁNH HÒA",
        "signer_title": "GIÁM ĐỐC", "signer_name": "Trần Thị Phương Thảo", "place": "Nha Trang",
        "wording": "", "logo_path": "",
    }
    return CertificateView(
        number=number, register_label=f"{register:06d}/2026", holder_name=row["holder_name"], holder_sex="female",
        holder_birth_date=dt.date(1988, 11, 23),
        course_name=("Bồi dưỡng kiến thức, kỹ năng nghề công tác xã hội cho cán bộ, công chức, viên chức và "
                     "cộng tác viên làm công tác xã hội ở cấp xã năm 2026"),
        kind="certificate", hours=120, start_date=row["start_date"], end_date=row["end_date"],
        classification="Giỏi", issued_on=row["issued_on"], expires_on=row["expires_on"], issuer=issuer,
        verify_url=verify_url(number, token), language="vi")


# --- (a), (b), (e): our renderer -------------------------------------------------------------------

def render_ours(view) -> bytes:
    from certificates.rendering import render_pdf

    return render_pdf(view)


def _pool_job(_i: int) -> str:
    return hashlib.sha256(render_ours(VIEW)).hexdigest()  # a digest back, like the service's workers


def _pool_warm(_i: int) -> None:
    render_ours(VIEW)  # fonts, catalogs and imports loaded before timing


# --- (c): ReportLab's QR widget instead of our single path ---------------------------------------

def widget_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """Drop-in for ``certificates.rendering.qr_path``: ReportLab's QrCodeWidget in a Drawing."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    widget = QrCodeWidget(data, barLevel="M", barBorder=0)
    x0, y0, x1, y1 = widget.getBounds()
    w, h = x1 - x0, y1 - y0
    drawing = Drawing(size, size, transform=[size / w, 0, 0, size / h, 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def render_widget(view) -> bytes:
    from certificates import rendering as render

    original = render.qr_path
    render.qr_path = widget_qr  # draw_certificate looks the function up in its module at call time
    try:
        return render.render_pdf(view)
    finally:
        render.qr_path = original


# --- (d): WeasyPrint from HTML ---------------------------------------------------------------------

def certificate_html(view) -> str:
    """The same certificate as HTML/CSS: same texts, same fonts, same positions roughly."""
    import fontpkg_ibm_plex_serif
    import segno

    from certificates.rendering import _date, _labels, nfc, official_date_line

    files = Path(fontpkg_ibm_plex_serif.__file__).resolve().parent / "files"
    faces = "".join(
        f"@font-face{{font-family:PlexSerif;font-weight:{weight};font-style:{style};"
        f"src:url('{(files / f'IBMPlexSerif-{name}.ttf').as_uri()}')}}"
        for name, weight, style in (("Regular", 400, "normal"), ("Bold", 700, "normal"),
                                    ("Italic", 400, "italic"), ("BoldItalic", 700, "italic")))
    labels = _labels(view)
    issuer = view.issuer
    e = html.escape
    qr = segno.make(view.verify_url, error="m", micro=False, mask=2)
    svg = qr.svg_inline(scale=1, border=0, omitsize=True)  # viewBox only: CSS sets the size
    facts = f"{labels['hours']}: {labels['hours_value']} — {labels['dates']}"
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{e(view.number)}</title>
<style>{faces}
@page{{size:A4 landscape;margin:0}}
body{{margin:0;font-family:PlexSerif;color:rgb(31,36,51)}}
.page{{position:relative;width:297mm;height:210mm;box-sizing:border-box}}
.f1{{position:absolute;left:7.8mm;top:7.8mm;right:7.8mm;bottom:7.8mm;border:3pt solid rgb(140,107,41)}}
.f2{{position:absolute;left:10.6mm;top:10.6mm;right:10.6mm;bottom:10.6mm;border:.8pt solid rgb(140,107,41)}}
.left{{position:absolute;left:22mm;width:110mm;top:18mm;text-align:center;font-size:11.5pt}}
.right{{position:absolute;right:22mm;width:120mm;top:18mm;text-align:center;font-weight:700}}
.u{{display:inline-block;border-bottom:.7pt solid;padding-bottom:2pt}}
.main{{position:absolute;left:25mm;right:25mm;top:50mm;text-align:center;font-size:13pt}}
h1{{color:rgb(158,23,23);font-size:34pt;margin:0 0 4mm}}
.holder{{font-size:22pt;font-weight:700;color:rgb(158,23,23)}}
.course{{font-size:16pt;font-weight:700;margin:1mm 10mm 3mm}}
p{{margin:0 0 2.5mm}}
.sign{{position:absolute;right:22mm;width:110mm;bottom:22mm;text-align:center;font-size:12.5pt}}
.qr{{position:absolute;left:18.3mm;bottom:18.3mm;width:32.5mm;height:32.5mm}}
.qr svg{{width:100%;height:100%}}
.nums{{position:absolute;left:55mm;bottom:18mm;font-size:11pt;line-height:1.45}}
</style></head><body><div class="page"><div class="f1"></div><div class="f2"></div>
<div class="left"><div>{e(nfc(issuer.get("governing_body")))}</div>
<div class="u"><b>{e(nfc(issuer.get("issuer_name")))}</b></div></div>
<div class="right"><div style="font-size:11.5pt">{e(labels["nation"])}</div>
<div class="u" style="font-size:12.5pt">{e(labels["motto"])}</div></div>
<div class="main"><h1>{e(labels["title"])}</h1>
<p><i>{e(nfc(issuer.get("issuer_name")))} {e(labels["grant"])}</i></p>
<p style="font-size:14pt">{e(labels["honorific"])} <span class="holder">{e(nfc(view.holder_name))}</span></p>
<p>{e(labels["born"])}: {e(_date(view.holder_birth_date, view.language))}</p>
<p>{e(labels["completed"])}:</p><div class="course">{e(nfc(view.course_name))}</div>
<p>{e(facts)}</p><p>{e(labels["classification"])}: <b>{e(view.classification)}</b></p></div>
<div class="sign"><i>{e(official_date_line(nfc(issuer.get("place")), view.issued_on, view.language))}</i><br>
<b>{e(nfc(issuer.get("signer_title")))}</b><br><br><br><br><b>{e(nfc(issuer.get("signer_name")))}</b></div>
<div class="qr">{svg}</div>
<div class="nums">{e(labels["number"])}: <b>{e(view.number)}</b><br>{e(labels["register"])}: {e(view.register_label)}
<br>{e(labels["expires"])}: {e(_date(view.expires_on, view.language))}
<br><i style="font-size:9pt">{e(labels["scan"])}</i>
</div></div></body></html>"""


def weasy_renderer() -> Callable | None:
    try:
        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration
    except ImportError:
        return None
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fonts = FontConfiguration()  # reused across documents, as a server would

    def render(view) -> bytes:
        return HTML(string=certificate_html(view), base_url=str(_scratch.ROOT)).write_pdf(font_config=fonts)

    return render


# --- timing ----------------------------------------------------------------------------------------

def timed(render: Callable, view, count: int, warmup: int) -> tuple[float, int]:
    """(certificates per second, size of the last PDF) over ``count`` renders after ``warmup``."""
    for _ in range(warmup):
        render(view)
    start = time.perf_counter()
    for _ in range(count):
        data = render(view)
    return count / (time.perf_counter() - start), len(data)


def timed_pool(count: int, processes: int) -> float:
    ctx = multiprocessing.get_context("fork")  # the workers inherit VIEW and the registered fonts
    with ctx.Pool(processes) as pool:
        pool.map(_pool_warm, range(processes * 2), chunksize=1)
        start = time.perf_counter()
        digests = pool.map(_pool_job, range(count), chunksize=max(1, count // (processes * 8)))
        elapsed = time.perf_counter() - start
    assert len(set(digests)) == 1, "the renderer is not deterministic across processes"
    return count / elapsed


def main() -> int:
    global VIEW
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--weasy-count", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    import segno

    view = VIEW = make_view(random.Random(2026))
    qr = segno.make(view.verify_url, error="m", micro=False, mask=2)
    token = view.verify_url.split("?t=", 1)[1]
    print(f"verify URL: {len(view.verify_url)} characters (token {len(token)}); QR version {qr.version}, "
          f"{qr.symbol_size(border=0)[0]} modules, error correction M")
    first, second = render_ours(view), render_ours(view)
    print(f"deterministic (same bytes twice): {'yes' if first == second else 'NO'}; "
          f"{multiprocessing.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"{args.count} renders per row after {args.warmup} warm-up")

    results: list[tuple[str, float | None, int | None]] = []
    rate_a, size_a = timed(render_ours, view, args.count, args.warmup)
    results.append(("(a) render_pdf, QR as one path, 1 process", rate_a, size_a))
    print(f"  (a) {rate_a:.1f}/s", flush=True)
    rate_b = timed_pool(args.count, 2)
    results.append(("(b) render_pdf, 2 processes (total)", rate_b, None))
    print(f"  (b) {rate_b:.1f}/s", flush=True)
    rate_c, size_c = timed(render_widget, view, args.count, args.warmup)
    results.append(("(c) ReportLab QrCodeWidget + renderPDF, 1 process", rate_c, size_c))
    print(f"  (c) {rate_c:.1f}/s", flush=True)
    weasy = weasy_renderer()
    rate_d = size_d = None
    if weasy is None:
        print("  (d) skipped: WeasyPrint is not installed (.venv/bin/pip install weasyprint)")
    else:
        rate_d, size_d = timed(weasy, view, args.weasy_count, min(args.warmup, 3))
        print(f"  (d) {rate_d:.1f}/s", flush=True)
    results.append((f"(d) WeasyPrint HTML + segno SVG, 1 process ({args.weasy_count} renders)", rate_d, size_d))
    text_view = type(view)(**{**view.__dict__, "verify_url": ""})
    rate_e, size_e = timed(render_ours, text_view, args.count, args.warmup)
    results.append(("(e) render_pdf, text only (no QR), 1 process", rate_e, size_e))

    print()
    print(f"{'variant':<66} {'certs/s':>8} {'ms/cert':>8} {'PDF KB':>7}")
    for label, rate, size in results:
        if rate is None:
            print(f"{label:<66} {'—':>8}")
            continue
        kb = f"{size / 1024:.1f}" if size else ""
        print(f"{label:<66} {rate:8.1f} {1000 / rate:8.2f} {kb:>7}")
    print()
    print(f"2 processes / 1 process (b/a):         {rate_b / rate_a:.2f}x")
    print(f"our QR path / ReportLab widget (a/c):  {rate_a / rate_c:.2f}x")
    if rate_d:
        print(f"ReportLab / WeasyPrint (a/d):          {rate_a / rate_d:.1f}x")
    print(f"QR cost in (a): {1000 / rate_a - 1000 / rate_e:.2f} ms of {1000 / rate_a:.2f} ms per certificate")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(os.environ["TRAINING_DATA_DIR"], ignore_errors=True)
