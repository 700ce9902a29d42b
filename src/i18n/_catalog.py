"""The message catalog: key -> (English, Japanese).

Every text a person reads (errors, status lines, summaries) lives here and nowhere else. Keys
are grouped by area; keep both languages saying the same thing, including what to do next.
Parameters use ``str.format`` names, identical in both languages (a test checks it).
"""

from __future__ import annotations

CATALOG: dict[str, tuple[str, str]] = {
    # ---- general / cli -------------------------------------------------------------------
    "cli.not_available": (
        "`aimcoach {command}` is not available in this version yet. "
        "Update aimcoach to a newer release to use it.",
        "`aimcoach {command}` はこのバージョンではまだ使えません。"
        "新しいリリースに更新してからお使いください。",
    ),
    "cli.interrupted": (
        "Interrupted.",
        "中断しました。",
    ),
    "cli.unexpected": (
        "An unexpected error stopped aimcoach: {error}. "
        "Run again with --log-level debug and report the output.",
        "予期しないエラーで aimcoach が停止しました: {error}。"
        "--log-level debug を付けて再実行し、出力を報告してください。",
    ),
    # ---- config ---------------------------------------------------------------------------
    # ---- sources --------------------------------------------------------------------------
    # ---- digest ---------------------------------------------------------------------------
    "digest.non_finite": (
        "The record field {field} is {value}, which a digest cannot represent. "
        "The source file is damaged; it has been set aside.",
        "レコードの項目 {field} が {value} で、ダイジェストで表せません。"
        "元のファイルが壊れているため、別に保管しました。",
    ),
    "digest.bad_type": (
        "The record field {field} has a value of type {kind}, which a digest cannot represent.",
        "レコードの項目 {field} の値の型 {kind} はダイジェストで表せません。",
    ),
    # ---- devserver ------------------------------------------------------------------------
    # ---- auth -----------------------------------------------------------------------------
    # ---- transport ------------------------------------------------------------------------
    # ---- state ----------------------------------------------------------------------------
    # ---- pipeline / run / ctl -------------------------------------------------------------
    # ---- status ---------------------------------------------------------------------------
}
