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
    "config.expected_int": ("a whole number (at least {minimum})", "{minimum} 以上の整数"),
    "config.expected_number": ("a number (at least {minimum})", "{minimum} 以上の数値"),
    "config.expected_text": ("text", "文字列"),
    "config.expected_path": ("a path", "パス"),
    "config.expected_url": ("a URL", "URL"),
    "config.bad_value": (
        "The setting {key} from {origin} is {value!r}, but it must be {expected}. "
        "Correct it and run the command again.",
        "{origin} の設定 {key} の値 {value!r} は使えません。{expected} を指定してください。"
        "修正してからもう一度実行してください。",
    ),
    "config.unknown_key": (
        "The config file {path} has an unknown key {key}. Remove it or fix its spelling; "
        "config/aimcoach.example.toml lists every key.",
        "設定ファイル {path} に不明なキー {key} があります。削除するか綴りを直してください。"
        "使えるキーは config/aimcoach.example.toml にあります。",
    ),
    "config.file_table": (
        "The config file {path} has a table [{key}], but every key belongs at the top level. "
        "Move its keys out of the table.",
        "設定ファイル {path} にテーブル [{key}] がありますが、キーはすべて最上位に書きます。"
        "テーブルの外に移してください。",
    ),
    "config.file_missing": (
        "The config file {path} does not exist. Check the path given with --config or "
        "AIMCOACH_CONFIG.",
        "設定ファイル {path} がありません。--config または AIMCOACH_CONFIG のパスを確認してください。",
    ),
    "config.file_unreadable": (
        "The config file {path} cannot be read ({error}). Check its permissions.",
        "設定ファイル {path} を読めません ({error})。権限を確認してください。",
    ),
    "config.file_syntax": (
        "The config file {path} is not valid TOML: {error}. Fix the line it names.",
        "設定ファイル {path} は正しい TOML ではありません: {error}。示された行を修正してください。",
    ),
    "config.endpoint_malformed": (
        "{origin} is {url!r}, which is not a usable URL. Give one like https://api.example.com.",
        "{origin} の {url!r} は使える URL ではありません。https://api.example.com のように指定してください。",
    ),
    "config.endpoint_not_https": (
        "{origin} is {url}, but the API must be reached over https:// (plain http:// is allowed "
        "only for 127.0.0.1, ::1 and localhost). Use the https:// address.",
        "{origin} が {url} ですが、API には https:// で接続する必要があります (http:// は "
        "127.0.0.1、::1、localhost のみ可)。https:// のアドレスを指定してください。",
    ),
    "config.endpoint_credentials": (
        "{origin} contains a user name or password. Remove it from the URL; aimcoach uses the "
        "linked device token instead.",
        "{origin} にユーザー名またはパスワードが含まれています。URL から削除してください。"
        "aimcoach はリンク済みのデバイストークンを使います。",
    ),
    "config.bad_timezone": (
        "The time zone {name!r} is unknown. Use an IANA name such as Asia/Tokyo or "
        "Europe/Berlin.",
        "タイムゾーン {name!r} が不明です。Asia/Tokyo や Europe/Berlin のような IANA 名を指定してください。",
    ),
    "config.bad_since": (
        "--since is {value!r}, but it must be an RFC 3339 time such as 2024-05-01T00:00:00Z.",
        "--since の {value!r} は使えません。2024-05-01T00:00:00Z のような RFC 3339 形式で指定してください。",
    ),
    # ---- sources --------------------------------------------------------------------------
    "kovaaks.bad_name": (
        "{file} is not named like a KovaaK's stats file "
        '("<scenario> - Challenge - YYYY.MM.DD-HH.MM.SS Stats.csv"), so the time of the run '
        "is unknown. If you renamed it, give it back its original name; otherwise it is not sent.",
        "{file} は KovaaK's の統計ファイル名の形式"
        "（「<シナリオ> - Challenge - YYYY.MM.DD-HH.MM.SS Stats.csv」）ではないため、"
        "プレイした日時がわかりません。名前を変更した場合は元の名前に戻してください。"
        "そうでなければ、このファイルは送信されません。",
    ),
    "kovaaks.bad_name_time": (
        "The date and time in the file name {file} ({stamp}) do not exist. If you renamed the "
        "file, give it back its original name; otherwise it is not sent.",
        "ファイル名 {file} の日時（{stamp}）は実在しません。ファイル名を変更した場合は"
        "元の名前に戻してください。そうでなければ、このファイルは送信されません。",
    ),
    "kovaaks.empty": (
        "{file} is empty: KovaaK's leaves an empty stats file when the game or the PC stops "
        "while a run is being saved. That run cannot be recovered; aimcoach skips the file, "
        "and you can delete it.",
        "{file} は空です。プレイ結果の保存中にゲームや PC が停止すると、KovaaK's は空の"
        "統計ファイルを残します。このプレイは復元できません。aimcoach はこのファイルを"
        "飛ばします。削除してもかまいません。",
    ),
    "kovaaks.nul_bytes": (
        "{file} contains NUL bytes (the first at byte {offset}): it was damaged when the PC or "
        "the game crashed while saving. aimcoach skips it; you can delete it.",
        "{file} に NUL バイトが含まれています（最初は {offset} バイト目）。保存中に PC か"
        "ゲームが異常終了して壊れたファイルです。aimcoach はこのファイルを飛ばします。"
        "削除してもかまいません。",
    ),
    "kovaaks.not_stats_content": (
        "{file} does not begin with the KovaaK's kill table header (\"Kill #,...\"), so it is "
        "not a KovaaK's stats file or it is damaged. aimcoach skips it; if it does not come "
        "from KovaaK's, move it out of the stats folder.",
        "{file} が KovaaK's のキル表の見出し（「Kill #,...」）で始まっていないため、"
        "KovaaK's の統計ファイルではないか、壊れています。aimcoach はこのファイルを"
        "飛ばします。KovaaK's のファイルでなければ stats フォルダーから移動してください。",
    ),
    "kovaaks.truncated": (
        '{file} ends before its summary is complete (the line "{missing}" is missing): it was '
        "cut off while being saved. If KovaaK's is still writing it, aimcoach reads it again "
        "once it changes; otherwise the run cannot be recovered and you can delete the file.",
        "{file} は集計部分の途中で終わっています（「{missing}」の行がありません）。"
        "保存中に途切れたファイルです。KovaaK's がまだ書き込み中なら、変更後に aimcoach が"
        "読み直します。そうでなければこのプレイは復元できないため、削除してもかまいません。",
    ),
    "kovaaks.no_weapon_table": (
        '{file} has no weapon table (the "Weapon,Shots,Hits,..." block), so its shots, hits '
        "and damage are unknown. The file is damaged; aimcoach skips it, and you can delete it.",
        "{file} に武器の表（「Weapon,Shots,Hits,...」の部分）がないため、ショット数・"
        "ヒット数・ダメージがわかりません。ファイルが壊れています。aimcoach はこのファイルを"
        "飛ばします。削除してもかまいません。",
    ),
    "kovaaks.bad_weapon_row": (
        "Line {line} of {file} is a weapon row with fewer than 5 columns. The file is damaged "
        "or was edited by hand; aimcoach skips it. Restore the original file or delete it.",
        "{file} の {line} 行目は列が 5 つ未満の武器の行です。ファイルが壊れているか、"
        "手で編集されています。aimcoach はこのファイルを飛ばします。元のファイルに戻すか、"
        "削除してください。",
    ),
    "kovaaks.bad_number": (
        'Line {line} of {file}: the value "{value}" of {field} is not a number. The file is '
        "damaged or was edited by hand; aimcoach skips it. Restore the original file or "
        "delete it.",
        "{file} の {line} 行目: {field} の値「{value}」は数値ではありません。ファイルが"
        "壊れているか、手で編集されています。aimcoach はこのファイルを飛ばします。"
        "元のファイルに戻すか、削除してください。",
    ),
    "kovaaks.non_finite": (
        "Line {line} of {file}: {field} is {value}, which is not a finite number and cannot be "
        "sent. The file is damaged or was edited by hand; aimcoach skips it. Restore the "
        "original file or delete it.",
        "{file} の {line} 行目: {field} が {value} で、有限の数値ではないため送信できません。"
        "ファイルが壊れているか、手で編集されています。aimcoach はこのファイルを飛ばします。"
        "元のファイルに戻すか、削除してください。",
    ),
    "kovaaks.bad_time": (
        'Line {line} of {file}: {field} is "{value}", not a time of day (HH:MM:SS.mmm). The '
        "file is damaged or was edited by hand; aimcoach skips it. Restore the original file "
        "or delete it.",
        "{file} の {line} 行目: {field} の値「{value}」は時刻（HH:MM:SS.mmm）ではありません。"
        "ファイルが壊れているか、手で編集されています。aimcoach はこのファイルを飛ばします。"
        "元のファイルに戻すか、削除してください。",
    ),
    "kovaaks.unrepresentable": (
        "{file}: the value of {field} is too large or not a finite number, so it cannot be "
        "sent. The file is damaged or was edited by hand; aimcoach skips it. Restore the "
        "original file or delete it.",
        "{file}: {field} の値が大きすぎるか有限の数値ではないため、送信できません。"
        "ファイルが壊れているか、手で編集されています。aimcoach はこのファイルを飛ばします。"
        "元のファイルに戻すか、削除してください。",
    ),
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
    "status.title": ("aimcoach {version}", "aimcoach {version}"),
    "status.settings": ("Settings (value [where it came from]):", "設定 (値 [設定元]):"),
    "status.unset": ("(not set)", "(未設定)"),
    "status.source.cli": ("command line", "コマンドライン"),
    "status.source.env": ("environment", "環境変数"),
    "status.source.file": ("config file", "設定ファイル"),
    "status.source.default": ("default", "既定値"),
    "status.source.discovered": ("discovered", "自動検出"),
    "status.source.unset": ("not set", "未設定"),
    "status.games": ("Game files:", "ゲームのファイル:"),
    "status.kovaaks": ("KovaaK's stats folder", "KovaaK's の stats フォルダー"),
    "status.aimlabs": ("Aim Lab database", "Aim Lab のデータベース"),
    "status.not_found": (
        "not found — set it with --kovaaks-csv-dir / --aimlabs-sqlite or in the config file",
        "見つかりません。--kovaaks-csv-dir / --aimlabs-sqlite または設定ファイルで指定してください",
    ),
    "status.searched": ("searched {count} places:", "{count} か所を検索しました:"),
    "status.exists": ("exists", "あり"),
    "status.missing": ("does not exist", "なし"),
    "status.folders": ("Folders:", "フォルダー:"),
    "status.folder.config_file": ("config file", "設定ファイル"),
    "status.folder.state_dir": ("state", "状態データ"),
    "status.folder.data_dir": ("data", "データ"),
}
