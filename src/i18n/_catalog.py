"""The message catalog: key -> (English, Japanese).

Every text a person reads (errors, status lines, summaries) lives here and nowhere else. Keys
are grouped by area; keep both languages saying the same thing, including what to do next.
Parameters use ``str.format`` names, identical in both languages (a test checks it).
"""

from __future__ import annotations

CATALOG: dict[str, tuple[str, str]] = {
    # ---- general / cli -------------------------------------------------------------------
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
    # ---- settings (help texts of the settings table) --------------------------------------
    "setting.api_endpoint": (
        "base URL of the AimCoach ingest API (https://, or http:// on loopback)",
        "AimCoach 取り込み API のベース URL (https://、ループバックのみ http:// も可)",
    ),
    "setting.api_token": (
        "use this access token for one command instead of the linked one (never stored)",
        "このコマンドだけ、連携済みのトークンの代わりにこのアクセストークンを使う (保存されません)",
    ),
    "setting.log_level": ("how much to log", "ログの詳しさ"),
    "setting.log_format": (
        "log format: auto is console on a terminal, JSON lines otherwise",
        "ログの形式: auto は端末ではコンソール表示、それ以外では JSON 行",
    ),
    "setting.config": (
        "config file (default: config.toml in the user config folder)",
        "設定ファイル (既定: ユーザー設定フォルダーの config.toml)",
    ),
    "setting.token_store": ("where the device token is kept", "デバイストークンの保存先"),
    "setting.lang": (
        "language of messages (default: the OS language)",
        "メッセージの言語 (既定: OS の言語)",
    ),
    "setting.state_dir": (
        "folder of the state database (default: the user state folder)",
        "状態データベースのフォルダー (既定: ユーザーの状態フォルダー)",
    ),
    "setting.data_dir": (
        "folder for the token file and other user data (default: the user data folder)",
        "トークンファイルなどのユーザーデータのフォルダー (既定: ユーザーデータフォルダー)",
    ),
    "setting.device_name": (
        "name of this PC as shown to the AimCoach server (default: the host name)",
        "AimCoach サーバーに表示されるこの PC の名前 (既定: ホスト名)",
    ),
    "setting.kovaaks_csv_dir": (
        "KovaaK's stats folder (default: discovered in your Steam libraries)",
        "KovaaK's の stats フォルダー (既定: Steam ライブラリから自動検出)",
    ),
    "setting.aimlabs_sqlite": (
        "Aim Lab's klutch.bytes database (default: discovered)",
        "Aim Lab の klutch.bytes データベース (既定: 自動検出)",
    ),
    "setting.timezone": (
        "IANA time zone of KovaaK's file-name times (default: this PC's zone)",
        "KovaaK's のファイル名の時刻の IANA タイムゾーン (既定: この PC のタイムゾーン)",
    ),
    "setting.provider": ("which games to read", "読み込むゲーム"),
    "setting.source": (
        "device label sent with each request",
        "各リクエストに付けて送るデバイスのラベル",
    ),
    "setting.workers": ("parser workers", "解析ワーカーの数"),
    "setting.quiet_period_s": (
        "seconds a stats file must stay unchanged before it is read",
        "stats ファイルを読む前に変化がないことを確認する秒数",
    ),
    "setting.poll_interval_s": (
        "seconds between folder rescans (the fallback for missed file-system events)",
        "フォルダーを再走査する間隔の秒数 (ファイルシステムイベントを取りこぼした場合の備え)",
    ),
    "setting.force_polling": (
        "poll instead of using file-system events (network drives)",
        "ファイルシステムイベントを使わずにポーリングする (ネットワークドライブ向け)",
    ),
    "setting.batch_max_records": (
        "records per request at most",
        "1 リクエストあたりの最大レコード数",
    ),
    "setting.linger_s": (
        "seconds to wait for more records before sending a batch",
        "バッチを送る前に追加のレコードを待つ秒数",
    ),
    "setting.rate_per_s": ("requests per second at most", "1 秒あたりの最大リクエスト数"),
    "setting.rate_burst": ("requests allowed in a burst", "連続して許可するリクエスト数"),
    "setting.grace_period_s": (
        "seconds to finish in-flight batches on shutdown",
        "終了時に送信中のバッチを完了させる猶予秒数",
    ),
    # ---- command-line help ----------------------------------------------------------------
    "help.default": ("default: {value}", "既定: {value}"),
    "help.env": ("env: {names}", "環境変数: {names}"),
    "help.or": (" or ", " または "),
    "help.program": (
        "Delivers every finished KovaaK's and Aim Lab run to AimCoach, exactly once.",
        "KovaaK's と Aim Lab の終了したプレイをすべて、1 回だけ AimCoach に送ります。",
    ),
    "help.epilog": (
        "Start with `aimcoach link --code 123456`, then `aimcoach run`. `aimcoach COMMAND --help` shows a command's options.",
        "まず `aimcoach link --code 123456`、次に `aimcoach run` を実行してください。`aimcoach COMMAND --help` で各コマンドのオプションを表示します。",
    ),
    "help.commands": ("commands", "コマンド"),
    "help.common": ("common options", "共通オプション"),
    "help.what_to_read": ("what to read", "読み込む対象"),
    "help.since": (
        "only runs taken at or after this time (e.g. 2024-05-01T00:00:00Z)",
        "この時刻以降のプレイだけ (例: 2024-05-01T00:00:00Z)",
    ),
    "help.max_records": ("stop after N records", "N 件で止める"),
    "help.dry_run": (
        "print the records as NDJSON on stdout; no network, no state",
        "レコードを NDJSON で標準出力に表示する (通信も保存もしない)",
    ),
    "help.idempotency_key": (
        "prefix of the Idempotency-Key of each batch",
        "各バッチの Idempotency-Key の接頭辞",
    ),
    "help.positive_int": (
        "expected a whole number of at least 1, got {value!r}",
        "1 以上の整数が必要です ({value!r} は使えません)",
    ),
    "help.status": (
        "show settings, game folders and link state",
        "設定、ゲームのフォルダー、連携状態を表示する",
    ),
    "help.status.description": (
        "Show every setting with where it came from, the game folders found on this PC, the link state and, when `aimcoach run` is up, its live summary.",
        "すべての設定とその設定元、この PC で見つかったゲームのフォルダー、連携状態、`aimcoach run` の実行中はその概要を表示します。",
    ),
    "help.json": (
        "print one JSON object instead of text",
        "テキストの代わりに JSON オブジェクトを 1 つ表示する",
    ),
    "help.export": (
        "read every run once and deliver it (or print it with --dry-run)",
        "すべてのプレイを 1 回読み込んで送信する (--dry-run では表示のみ)",
    ),
    "help.export.description": (
        "Read every finished run in the game folders and deliver the new ones, then exit. With --dry-run, print them as NDJSON instead.",
        "ゲームのフォルダーにある終了したプレイを読み込み、新しいものを送信して終了します。--dry-run では代わりに NDJSON で表示します。",
    ),
    "help.run": (
        "watch the game folders and deliver new runs as they finish",
        "ゲームのフォルダーを監視し、プレイが終わるたびに送信する",
    ),
    "help.run.description": (
        "Watch the game folders and deliver every new run until stopped (Ctrl+C, SIGTERM or `aimcoach ctl stop`). With --once, deliver what is there and exit.",
        "止めるまで (Ctrl+C、SIGTERM、`aimcoach ctl stop`) ゲームのフォルダーを監視し、新しいプレイをすべて送信します。--once では今あるものを送信して終了します。",
    ),
    "help.once": (
        "scan everything, deliver everything, then exit (1 if anything is left)",
        "すべて読み込んで送信し、終了する (残りがあれば終了コード 1)",
    ),
    "help.ctl": ("talk to a running `aimcoach run`", "実行中の `aimcoach run` と通信する"),
    "help.ctl.description": (
        "Ask a running `aimcoach run` for its status, or stop it.",
        "実行中の `aimcoach run` の状態を確認する、または停止します。",
    ),
    "help.actions": ("actions", "操作"),
    "help.ctl_status": (
        "show the live state of the running agent",
        "実行中のエージェントの状態を表示する",
    ),
    "help.ctl_status.description": (
        "Uptime, each actor's state, queues, counters, token expiry and the last delivery of the running agent.",
        "実行中のエージェントの稼働時間、各部の状態、キュー、カウンター、トークンの有効期限、最後の送信を表示します。",
    ),
    "help.ctl_json": ("print the snapshot as JSON", "状態を JSON で表示する"),
    "help.ctl_stop": ("stop the running agent gracefully", "実行中のエージェントを安全に停止する"),
    "help.ctl_stop.description": (
        "Stop intake, finish in-flight batches, persist and exit.",
        "読み込みを止め、送信中のバッチを終えて保存し、終了します。",
    ),
    # ---- argparse's own words (usage lines and errors), by its English text -----------------
    "argparse.usage": ("usage: ", "使い方: "),
    "argparse.options": ("options", "オプション"),
    "argparse.positional": ("positional arguments", "位置引数"),
    "argparse.help": ("show this help message and exit", "このヘルプを表示して終了する"),
    "argparse.version": ("show program's version number and exit", "バージョンを表示して終了する"),
    "argparse.error": ("%(prog)s: error: %(message)s\n", "%(prog)s: エラー: %(message)s\n"),
    "argparse.argument": (
        "argument %(argument_name)s: %(message)s",
        "引数 %(argument_name)s: %(message)s",
    ),
    "argparse.required": ("the following arguments are required: %s", "次の引数が必要です: %s"),
    "argparse.invalid_choice": (
        "invalid choice: %(value)r (choose from %(choices)s)",
        "使えない値です: %(value)r (%(choices)s から選んでください)",
    ),
    "argparse.unrecognized": ("unrecognized arguments: %s", "不明な引数です: %s"),
    "argparse.expected_one": ("expected one argument", "値が 1 つ必要です"),
    "argparse.invalid_type": (
        "invalid %(type)s value: %(value)r",
        "%(type)s の値として無効です: %(value)r",
    ),
    "argparse.ambiguous": (
        "ambiguous option: %(option)s could match %(matches)s",
        "オプションが曖昧です: %(option)s は %(matches)s のどれにも当てはまります",
    ),
    "argparse.not_allowed": ("not allowed with argument %s", "引数 %s とは同時に使えません"),
    "argparse.ignored": ("ignored explicit argument %r", "指定された値 %r は使われません"),
    # ---- config ---------------------------------------------------------------------------
    "config.expected_int": ("a whole number (at least {minimum})", "{minimum} 以上の整数"),
    "config.expected_int_range": (
        "a whole number from {minimum} to {maximum}",
        "{minimum} 以上 {maximum} 以下の整数",
    ),
    "config.expected_number_range": (
        "a number from {minimum} to {maximum}",
        "{minimum} 以上 {maximum} 以下の数値",
    ),
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
        "The time zone {name!r} is unknown. Use an IANA name such as Asia/Tokyo or Europe/Berlin.",
        "タイムゾーン {name!r} が不明です。Asia/Tokyo や Europe/Berlin のような IANA 名を指定してください。",
    ),
    "config.bad_since": (
        "--since is {value!r}, but it must be an RFC 3339 time such as 2024-05-01T00:00:00Z.",
        "--since の {value!r} は使えません。2024-05-01T00:00:00Z のような RFC 3339 形式で指定してください。",
    ),
    # ---- sources --------------------------------------------------------------------------
    "aimlabs.not_found": (
        "The Aim Lab database {path} does not exist. Check the Aim Lab database path "
        "(AIMLABS_SQLITE_PATH), or play one task in Aim Lab so that the game creates it.",
        "Aim Lab のデータベース {path} が見つかりません。Aim Lab データベースのパス"
        "（AIMLABS_SQLITE_PATH）を確認するか、Aim Lab でタスクを 1 回プレイして"
        "ゲームに作成させてください。",
    ),
    "aimlabs.not_a_file": (
        "{path} is a folder or a special file, not Aim Lab's klutch.bytes database. Set the "
        "Aim Lab database path (AIMLABS_SQLITE_PATH) to the klutch.bytes file itself.",
        "{path} はフォルダーまたは特殊なファイルで、Aim Lab の klutch.bytes データベースでは"
        "ありません。Aim Lab データベースのパス（AIMLABS_SQLITE_PATH）には klutch.bytes "
        "ファイルそのものを指定してください。",
    ),
    "aimlabs.unreadable": (
        "The Aim Lab database {path} cannot be opened: {error}. Check that your user account "
        "may read it (and, on a network drive, that the drive is connected); aimcoach tries "
        "again when the file changes.",
        "Aim Lab のデータベース {path} を開けません: {error}。このユーザーに読み取り権限が"
        "あるか（ネットワークドライブなら接続されているか）を確認してください。"
        "aimcoach はファイルが変わったときにもう一度試します。",
    ),
    "aimlabs.not_sqlite": (
        "{path} is not an SQLite database (it is empty or does not start with the SQLite "
        "header), so it cannot be Aim Lab's klutch.bytes. Check the Aim Lab database path "
        "(AIMLABS_SQLITE_PATH); if the path is right, start Aim Lab once so that the game "
        "writes the file again.",
        "{path} は SQLite データベースではありません（空か、SQLite のヘッダーで始まって"
        "いません）。Aim Lab の klutch.bytes ではありえません。Aim Lab データベースのパス"
        "（AIMLABS_SQLITE_PATH）を確認してください。パスが正しければ、Aim Lab を一度起動して"
        "ゲームにファイルを書き直させてください。",
    ),
    "aimlabs.corrupt": (
        "The Aim Lab database {path} cannot be read ({error}); it may be damaged. Runs already "
        "read are kept. Start Aim Lab once so that the game can repair it; if this keeps "
        "happening, report it with this message.",
        "Aim Lab のデータベース {path} を読めません（{error}）。壊れている可能性があります。"
        "読み取り済みのプレイは保持されます。Aim Lab を一度起動してゲームに修復させて"
        "ください。繰り返し起きる場合は、このメッセージを添えて報告してください。",
    ),
    "aimlabs.no_taskdata": (
        "{path} is an SQLite database but has no TaskData table, so it is not Aim Lab's play "
        "history. Set the Aim Lab database path (AIMLABS_SQLITE_PATH) to Aim Lab's "
        "klutch.bytes.",
        "{path} は SQLite データベースですが TaskData テーブルがないため、Aim Lab の"
        "プレイ履歴ではありません。Aim Lab データベースのパス（AIMLABS_SQLITE_PATH）には"
        "Aim Lab の klutch.bytes を指定してください。",
    ),
    "aimlabs.missing_column": (
        "The TaskData table in {path} has no {column} column, so its runs cannot be read. "
        "This Aim Lab version may store its history differently: update aimcoach, and report "
        "it if that does not help.",
        "{path} の TaskData テーブルに {column} 列がないため、プレイを読み取れません。"
        "この Aim Lab のバージョンは履歴の保存形式が異なる可能性があります。aimcoach を"
        "更新し、それでも直らなければ報告してください。",
    ),
    "aimlabs.busy": (
        "The Aim Lab database {path} stayed locked by the game through {attempts} attempts "
        "(Aim Lab is saving a run). Nothing to do: aimcoach reads it again shortly.",
        "Aim Lab のデータベース {path} は {attempts} 回試してもゲームにロックされたまま"
        "でした（Aim Lab がプレイ結果を保存中です）。対応は不要です。aimcoach がまもなく"
        "読み直します。",
    ),
    "aimlabs.hot_journal": (
        "The Aim Lab database {path} has an unfinished save (a leftover journal file) that "
        "only the game can complete. Start Aim Lab once; aimcoach reads the database again "
        "afterwards.",
        "Aim Lab のデータベース {path} には、ゲームだけが完了できる途中の保存（残った"
        "ジャーナルファイル）があります。Aim Lab を一度起動してください。その後 aimcoach が"
        "データベースを読み直します。",
    ),
    "aimlabs.bad_cursor": (
        "The saved Aim Lab reading position is damaged. aimcoach reads the Aim Lab database "
        "again from the start; runs already delivered are not sent twice.",
        "保存されている Aim Lab の読み取り位置が壊れています。aimcoach は Aim Lab の"
        "データベースを最初から読み直します。送信済みのプレイが二重に送られることは"
        "ありません。",
    ),
    "aimlabs.row.missing_task": (
        "Aim Lab run #{run} has no task name, so it cannot be sent. aimcoach sets it aside "
        "and reads the other runs; if many runs show this, report it.",
        "Aim Lab のプレイ #{run} にはタスク名がないため送信できません。aimcoach はこの"
        "プレイを別に保管し、他のプレイは通常どおり読み取ります。多くのプレイで起きる"
        "場合は報告してください。",
    ),
    "aimlabs.row.bad_date": (
        "Aim Lab run #{run}: its end time (createDate) is {value}, not a date and time, so it "
        "cannot be sent. aimcoach sets it aside and reads the other runs; if many runs show "
        "this, report it.",
        "Aim Lab のプレイ #{run}: 終了時刻（createDate）が {value} で日時ではないため、"
        "送信できません。aimcoach はこのプレイを別に保管し、他のプレイは通常どおり"
        "読み取ります。多くのプレイで起きる場合は報告してください。",
    ),
    "aimlabs.row.bad_json": (
        "Aim Lab run #{run}: its performance data is not valid JSON (error at character "
        "{position}), so its results cannot be read. aimcoach sets it aside and reads the "
        "other runs; if many runs show this, report it.",
        "Aim Lab のプレイ #{run}: 成績データ（performance）が正しい JSON ではない"
        "（{position} 文字目でエラー）ため、結果を読み取れません。aimcoach はこのプレイを"
        "別に保管し、他のプレイは通常どおり読み取ります。多くのプレイで起きる場合は"
        "報告してください。",
    ),
    "aimlabs.row.performance_unreadable": (
        "Aim Lab run #{run}: its performance data is nested too deeply or holds a number too "
        "long to read. aimcoach sets it aside and reads the other runs; if many runs show "
        "this, report it.",
        "Aim Lab のプレイ #{run}: 成績データ（performance）の入れ子が深すぎるか、"
        "読み取れないほど長い数値を含んでいます。aimcoach はこのプレイを別に保管し、"
        "他のプレイは通常どおり読み取ります。多くのプレイで起きる場合は報告してください。",
    ),
    "aimlabs.row.performance_not_object": (
        "Aim Lab run #{run}: its performance data is JSON but not an object of named values, "
        "so its results cannot be read. aimcoach sets it aside and reads the other runs; if "
        "many runs show this, report it.",
        "Aim Lab のプレイ #{run}: 成績データ（performance）は JSON ですが、名前付きの値の"
        "オブジェクトではないため、結果を読み取れません。aimcoach はこのプレイを別に保管し、"
        "他のプレイは通常どおり読み取ります。多くのプレイで起きる場合は報告してください。",
    ),
    "aimlabs.row.non_finite": (
        "Aim Lab run #{run}: {field} is {value}, not a finite number, so the run cannot be "
        "sent. aimcoach sets it aside and reads the other runs; if many runs show this, "
        "report it.",
        "Aim Lab のプレイ #{run}: {field} が {value} で有限の数値ではないため、送信できません。"
        "aimcoach はこのプレイを別に保管し、他のプレイは通常どおり読み取ります。"
        "多くのプレイで起きる場合は報告してください。",
    ),
    "aimlabs.row.bad_value": (
        "Aim Lab run #{run}: the column {column} holds {value}, which is not a value Aim Lab "
        "writes there, so the run cannot be sent. aimcoach sets it aside and reads the other "
        "runs; if many runs show this, report it.",
        "Aim Lab のプレイ #{run}: {column} 列の値 {value} は Aim Lab がそこに書く値では"
        "ないため、送信できません。aimcoach はこのプレイを別に保管し、他のプレイは"
        "通常どおり読み取ります。多くのプレイで起きる場合は報告してください。",
    ),
    "aimlabs.row.bad_text": (
        "Aim Lab run #{run}: the column {column} holds text that is not valid UTF-8, so the "
        "run cannot be sent. aimcoach sets it aside and reads the other runs; if many runs "
        "show this, report it.",
        "Aim Lab のプレイ #{run}: {column} 列の文字列が正しい UTF-8 ではないため、"
        "送信できません。aimcoach はこのプレイを別に保管し、他のプレイは通常どおり"
        "読み取ります。多くのプレイで起きる場合は報告してください。",
    ),
    "aimlabs.row.unrepresentable": (
        "Aim Lab run #{run}: the value of {field} is too large to be sent exactly. aimcoach "
        "sets it aside and reads the other runs; if many runs show this, report it.",
        "Aim Lab のプレイ #{run}: {field} の値が大きすぎて正確に送信できません。aimcoach は"
        "このプレイを別に保管し、他のプレイは通常どおり読み取ります。多くのプレイで起きる"
        "場合は報告してください。",
    ),
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
        '{file} does not begin with the KovaaK\'s kill table header ("Kill #,..."), so it is '
        "not a KovaaK's stats file or it is damaged. aimcoach skips it; if it does not come "
        "from KovaaK's, move it out of the stats folder.",
        "{file} が KovaaK's のキル表の見出し（「Kill #,...」）で始まっていないため、"
        "KovaaK's の統計ファイルではないか、壊れています。aimcoach はこのファイルを"
        "飛ばします。KovaaK's のファイルでなければ stats フォルダーから移動してください。",
    ),
    "kovaaks.truncated_line": (
        "{file} ends in the middle of a line: it was cut off while being saved. If KovaaK's is "
        "still writing it, aimcoach reads it again once it changes; otherwise the run cannot be "
        "recovered and you can delete the file.",
        "{file} は行の途中で終わっています。保存中に途切れたファイルです。KovaaK's がまだ書き込み中なら、"
        "変更後に aimcoach が読み直します。そうでなければこのプレイは復元できないため、削除してもかまいません。",
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
    "devserver.listening": (
        "The reference ingest server is listening on {url} (database: {db}). "
        "Press Ctrl+C to stop it.",
        "リファレンス取り込みサーバーが {url} で待ち受けています(データベース: {db})。"
        "止めるには Ctrl+C を押してください。",
    ),
    "devserver.bind_failed": (
        "Cannot listen on {host} port {port}: {error}. "
        "Another program may be using the port; choose another with --port.",
        "{host} のポート {port} で待ち受けられません: {error}。"
        "別のプログラムがそのポートを使っている可能性があります。--port で別のポートを指定してください。",
    ),
    "devserver.db_failed": (
        "Cannot open the devserver database {path}: {error}. "
        "Check the path and its permissions, or pass another file with --db.",
        "devserver のデータベース {path} を開けません: {error}。"
        "パスと権限を確認するか、--db で別のファイルを指定してください。",
    ),
    "devserver.remote_refused": (
        "The reference server listens on loopback only, and {host} is not a loopback address. "
        "Use --host 127.0.0.1, or add --allow-remote if other machines must reach it.",
        "リファレンスサーバーはループバックでのみ待ち受けます。{host} はループバックアドレスではありません。"
        "--host 127.0.0.1 を使うか、他のマシンから接続させる必要がある場合は --allow-remote を付けてください。",
    ),
    "devserver.bad_port": (
        "The port {value} is not valid. Use a number from 0 to 65535 (0 picks a free port).",
        "ポート {value} は無効です。0〜65535 の数を指定してください(0 は空いているポートを選びます)。",
    ),
    "devserver.bad_number": (
        "{flag} must be a number greater than zero, not {value}. Correct the value and start again.",
        "{flag} には 0 より大きい数を指定してください({value} は使えません)。値を直してから再度起動してください。",
    ),
    "devserver.empty_admin_secret": (
        "The admin secret is empty. Set a non-empty --admin-secret "
        "(or AIMCOACH_DEVSERVER_ADMIN_SECRET), or leave it unset to turn the admin API off.",
        "管理用シークレットが空です。空でない --admin-secret(または AIMCOACH_DEVSERVER_ADMIN_SECRET)を"
        "設定するか、管理 API を使わない場合は設定しないでください。",
    ),
    "devserver.mint_memory_db": (
        "A link code cannot be minted into an in-memory database (:memory:): no server would see it. "
        "Pass the --db file that the running devserver uses.",
        "メモリ上のデータベース(:memory:)にはリンクコードを発行できません(どのサーバーからも見えません)。"
        "起動中の devserver が使っている --db のファイルを指定してください。",
    ),
    "devserver.bad_user": (
        "The user name {user!r} is not valid. Use 1 to 64 printable characters, e.g. --user player.",
        "ユーザー名 {user!r} は無効です。1〜64 文字の表示可能な文字を使ってください(例: --user player)。",
    ),
    "devserver.help": (
        "run the reference ingest server on loopback",
        "リファレンス取り込みサーバーをループバックで起動する",
    ),
    "devserver.description": (
        "Run the reference ingest server: the API contract of docs/api.md with its own SQLite "
        "database, link codes and scripted faults, for tests, the demo and the server team. "
        "It listens on 127.0.0.1 unless --allow-remote is given. Stop it with Ctrl+C.",
        "リファレンス取り込みサーバーを起動します。docs/api.md の API 契約を、専用の SQLite "
        "データベース、リンクコード、故障注入とともに実装し、テスト・デモ・サーバーチーム向けに使います。"
        "--allow-remote を付けない限り 127.0.0.1 で待ち受けます。Ctrl+C で停止します。",
    ),
    "devserver.help.host": (
        "address to listen on (default: 127.0.0.1)",
        "待ち受けるアドレス(既定: 127.0.0.1)",
    ),
    "devserver.help.port": (
        "port to listen on; 0 picks a free one (default: 8787)",
        "待ち受けるポート。0 なら空いているポートを選ぶ(既定: 8787)",
    ),
    "devserver.help.db": (
        "the server's SQLite database file, or :memory: (default: devserver.sqlite3 in the "
        "user data directory)",
        "サーバーの SQLite データベースファイル、または :memory:(既定: ユーザーデータディレクトリの "
        "devserver.sqlite3)",
    ),
    "devserver.help.allow_remote": (
        "allow a non-loopback --host (other machines can then reach this test server)",
        "ループバック以外の --host を許可する(他のマシンからこのテスト用サーバーに接続できるようになる)",
    ),
    "devserver.help.admin_secret": (
        "turn on the admin API (faults, stats, revoke, mint-code) with this secret; "
        "prefer the AIMCOACH_DEVSERVER_ADMIN_SECRET environment variable",
        "このシークレットで管理 API(故障注入・統計・失効・コード発行)を有効にする。"
        "環境変数 AIMCOACH_DEVSERVER_ADMIN_SECRET の利用を推奨",
    ),
    "devserver.help.access_ttl": (
        "access token lifetime in seconds (default: 30 days)",
        "アクセストークンの有効期間(秒、既定: 30 日)",
    ),
    "devserver.help.refresh_ttl": (
        "refresh token lifetime in seconds (default: 90 days)",
        "リフレッシュトークンの有効期間(秒、既定: 90 日)",
    ),
    "devserver.help.rate": (
        "requests per second allowed per token (default: 20)",
        "トークンごとに許可する毎秒リクエスト数(既定: 20)",
    ),
    "devserver.help.burst": (
        "requests a token may send at once before the rate applies (default: 40)",
        "レート制限がかかる前にトークンが一度に送れるリクエスト数(既定: 40)",
    ),
    "devserver.mint.help": (
        "print a fresh 6-digit link code for the devserver",
        "devserver 用の新しい 6 桁のリンクコードを表示する",
    ),
    "devserver.mint.description": (
        "Mint a link code into the devserver database and print only the code. It is valid "
        "for 10 minutes and once; use it with `aimcoach link`. The server may be running.",
        "devserver のデータベースにリンクコードを発行し、コードだけを表示します。"
        "有効期間は 10 分で、1 回だけ使えます。`aimcoach link` で使ってください。サーバーは起動中でも構いません。",
    ),
    "devserver.mint.help.user": (
        "the user the code links a device to (default: player)",
        "コードでデバイスを結び付けるユーザー(既定: player)",
    ),
    # ---- auth -----------------------------------------------------------------------------
    # -- auth: refresh and the token at run time (auth.) --
    "auth.not_linked": (
        "This PC is not linked to AimCoach yet. Get a 6-digit code on the AimCoach site and run "
        "`aimcoach link --code XXXXXX`.",
        "この PC はまだ AimCoach に連携されていません。AimCoach のサイトで 6 桁のコードを取得し、"
        "`aimcoach link --code XXXXXX` を実行してください。",
    ),
    "auth.relink_needed": (
        "The AimCoach server no longer accepts this PC's sign-in (the device was removed or its "
        "link expired). Get a new 6-digit code on the AimCoach site and run "
        "`aimcoach link --code XXXXXX` again; nothing read so far is lost.",
        "AimCoach サーバーがこの PC のサインインを受け付けなくなりました (デバイスが削除されたか、"
        "連携の期限が切れました)。AimCoach のサイトで新しい 6 桁のコードを取得し、もう一度 "
        "`aimcoach link --code XXXXXX` を実行してください。読み込み済みのデータは失われません。",
    ),
    "auth.endpoint_mismatch": (
        "This PC was linked with {linked}, but aimcoach is set to use {endpoint}. Its tokens are "
        "never sent to another server: run `aimcoach link --code XXXXXX` to link with "
        "{endpoint}, or set --api-endpoint back to {linked}.",
        "この PC は {linked} と連携されていますが、aimcoach の接続先は {endpoint} になっています。"
        "トークンを別のサーバーに送ることはしません。{endpoint} と連携するには "
        "`aimcoach link --code XXXXXX` を実行するか、--api-endpoint を {linked} に戻してください。",
    ),
    "auth.refresh_unreachable": (
        "Could not reach {endpoint} to renew this PC's sign-in. Check the internet connection; "
        "aimcoach tries again by itself.",
        "サインインを更新するために {endpoint} に接続できませんでした。インターネット接続を"
        "確認してください。aimcoach は自動で再試行します。",
    ),
    "auth.refresh_tls": (
        "The secure connection to {endpoint} failed while renewing this PC's sign-in (its "
        "certificate could not be verified). Check the PC's date and time and any proxy or "
        "security software that intercepts HTTPS; aimcoach tries again by itself.",
        "サインインの更新中に {endpoint} との安全な接続に失敗しました (証明書を検証できません)。"
        "PC の日付と時刻、HTTPS に介入するプロキシやセキュリティソフトを確認してください。"
        "aimcoach は自動で再試行します。",
    ),
    "auth.refresh_timeout": (
        "{endpoint} did not answer in time while renewing this PC's sign-in. aimcoach tries "
        "again by itself; check the connection if this keeps happening.",
        "サインインの更新中に {endpoint} から時間内に応答がありませんでした。aimcoach は自動で"
        "再試行します。繰り返す場合は接続を確認してください。",
    ),
    "auth.refresh_network": (
        "The connection to {endpoint} broke while renewing this PC's sign-in ({reason}). "
        "aimcoach tries again by itself.",
        "サインインの更新中に {endpoint} との接続が切れました ({reason})。aimcoach は自動で"
        "再試行します。",
    ),
    "auth.refresh_bad_reply": (
        "{endpoint} sent a reply aimcoach cannot understand while renewing this PC's sign-in. "
        "aimcoach tries again later; check that --api-endpoint points at the AimCoach API.",
        "サインインの更新中に {endpoint} から解釈できない応答が返りました。aimcoach は後で再試行"
        "します。--api-endpoint が AimCoach API を指しているか確認してください。",
    ),
    "auth.refresh_rate_limited": (
        "{endpoint} asked aimcoach to slow down while renewing this PC's sign-in. aimcoach tries "
        "again later by itself.",
        "サインインの更新中に {endpoint} からリクエストを控えるよう求められました。aimcoach は"
        "後で自動的に再試行します。",
    ),
    "auth.refresh_server_error": (
        "{endpoint} had a server error (HTTP {status}) while renewing this PC's sign-in. "
        "aimcoach tries again later by itself.",
        "サインインの更新中に {endpoint} でサーバーエラー (HTTP {status}) が発生しました。"
        "aimcoach は後で自動的に再試行します。",
    ),
    "auth.refresh_unexpected": (
        "{endpoint} answered the sign-in renewal with HTTP {status}, which the API does not "
        "use for it. aimcoach tries again later; check that --api-endpoint is right.",
        "サインインの更新に対して {endpoint} が想定外の HTTP {status} を返しました。aimcoach は"
        "後で再試行します。--api-endpoint が正しいか確認してください。",
    ),
    "auth.api_token_refused": (
        "The server refused the access token given with --api-token (or AIMCOACH_API_TOKEN / "
        "API_TOKEN). Check that token, or leave it out to use this PC's linked sign-in.",
        "--api-token (または AIMCOACH_API_TOKEN / API_TOKEN) で指定したアクセストークンがサーバーに"
        "拒否されました。トークンを確認するか、指定を外してこの PC の連携済みサインインを"
        "使ってください。",
    ),
    # -- link: `aimcoach link`, and the link lines of `status` (link.) --
    "link.help": (
        "link this PC to your AimCoach account with a 6-digit code",
        "6 桁のコードでこの PC を AimCoach アカウントに連携する",
    ),
    "link.description": (
        "Link this PC to your AimCoach account. Get a 6-digit code on the AimCoach site (it "
        "works once, for 10 minutes) and pass it with --code. Linking again replaces the "
        "stored sign-in.",
        "この PC を AimCoach アカウントに連携します。AimCoach のサイトで 6 桁のコード (1 回限り、"
        "10 分間有効) を取得し、--code で指定してください。再度連携すると保存済みのサインインは"
        "置き換えられます。",
    ),
    "link.help_code": (
        "the 6-digit code shown on the AimCoach site",
        "AimCoach のサイトに表示された 6 桁のコード",
    ),
    "link.help_device": (
        "name of this PC as shown on the AimCoach site (default: the device_name setting)",
        "AimCoach のサイトに表示するこの PC の名前 (既定: 設定 device_name)",
    ),
    "link.code_format": (
        "The link code must be exactly 6 digits (0-9), like 123456. Copy it from the AimCoach "
        "site and run `aimcoach link --code XXXXXX` again.",
        "連携コードはちょうど 6 桁の数字 (0-9、例: 123456) です。AimCoach のサイトからコピーして、"
        "もう一度 `aimcoach link --code XXXXXX` を実行してください。",
    ),
    "link.device_bad": (
        "The device name is empty or contains control characters. Give a plain name with "
        '--device, for example --device "Desk PC".',
        "デバイス名が空か、制御文字を含んでいます。--device で普通の名前を指定してください "
        '(例: --device "Desk PC")。',
    ),
    "link.device_too_long": (
        "The device name is longer than {limit} characters. Give a shorter one with --device.",
        "デバイス名が {limit} 文字を超えています。--device で短い名前を指定してください。",
    ),
    "link.invalid_code": (
        "The server did not accept this code. Check the 6 digits on the AimCoach site and try "
        "again; after 5 wrong tries the code stops working and you need a new one.",
        "このコードはサーバーに受け付けられませんでした。AimCoach のサイトの 6 桁を確認して"
        "やり直してください。5 回間違えるとコードは使えなくなり、新しいコードが必要です。",
    ),
    "link.code_expired": (
        "This code has expired (codes work for 10 minutes). Get a new code on the AimCoach site "
        "and run `aimcoach link --code XXXXXX` again.",
        "このコードは期限切れです (コードの有効期間は 10 分)。AimCoach のサイトで新しいコードを"
        "取得し、もう一度 `aimcoach link --code XXXXXX` を実行してください。",
    ),
    "link.code_used": (
        "This code was already used (each code works once). Get a new code on the AimCoach site "
        "and run `aimcoach link --code XXXXXX` again.",
        "このコードは使用済みです (コードは 1 回だけ使えます)。AimCoach のサイトで新しいコードを"
        "取得し、もう一度 `aimcoach link --code XXXXXX` を実行してください。",
    ),
    "link.code_invalidated": (
        "This code no longer works because of too many wrong attempts. Get a new code on the "
        "AimCoach site and run `aimcoach link --code XXXXXX` with it.",
        "間違った入力が多すぎたため、このコードは使えなくなりました。AimCoach のサイトで新しい"
        "コードを取得し、`aimcoach link --code XXXXXX` を実行してください。",
    ),
    "link.refused": (
        "{endpoint} refused the link request (HTTP {status}, {code}). Get a new code on the "
        "AimCoach site and try again; if it keeps failing, check --api-endpoint.",
        "{endpoint} が連携リクエストを拒否しました (HTTP {status}、{code})。AimCoach のサイトで"
        "新しいコードを取得してやり直してください。繰り返す場合は --api-endpoint を確認してください。",
    ),
    "link.rate_limited": (
        "{endpoint} is getting too many requests. Wait a minute, then run the same "
        "`aimcoach link` command again (the code stays valid for 10 minutes).",
        "{endpoint} へのリクエストが多すぎます。1 分ほど待ってから同じ `aimcoach link` を"
        "もう一度実行してください (コードは 10 分間有効です)。",
    ),
    "link.server_error": (
        "{endpoint} had a server error (HTTP {status}). Nothing was stored; try again in a few "
        "minutes (get a new code if 10 minutes have passed).",
        "{endpoint} でサーバーエラー (HTTP {status}) が発生しました。何も保存していません。"
        "数分後にやり直してください (10 分過ぎた場合は新しいコードを取得してください)。",
    ),
    "link.unreachable": (
        "Could not connect to {endpoint}. Check the internet connection and --api-endpoint, "
        "then run the command again. Nothing was stored.",
        "{endpoint} に接続できませんでした。インターネット接続と --api-endpoint を確認してから、"
        "もう一度実行してください。何も保存していません。",
    ),
    "link.tls": (
        "The secure connection to {endpoint} failed: its certificate could not be verified. "
        "Check the PC's date and time and any proxy or security software that intercepts "
        "HTTPS. Certificate checks are never turned off; nothing was stored.",
        "{endpoint} との安全な接続に失敗しました: 証明書を検証できません。PC の日付と時刻、HTTPS "
        "に介入するプロキシやセキュリティソフトを確認してください。証明書の検証を無効にすることは"
        "ありません。何も保存していません。",
    ),
    "link.timeout": (
        "{endpoint} did not answer in time. Check the connection and run the command again; "
        "nothing was stored.",
        "{endpoint} から時間内に応答がありませんでした。接続を確認してもう一度実行してください。"
        "何も保存していません。",
    ),
    "link.network": (
        "The connection to {endpoint} broke ({reason}). Run the command again; nothing was stored.",
        "{endpoint} との接続が切れました ({reason})。もう一度実行してください。何も保存して"
        "いません。",
    ),
    "link.bad_reply": (
        "{endpoint} sent a reply aimcoach cannot understand (HTTP {status}). Check that "
        "--api-endpoint points at the AimCoach API; nothing was stored.",
        "{endpoint} から解釈できない応答が返りました (HTTP {status})。--api-endpoint が "
        "AimCoach API を指しているか確認してください。何も保存していません。",
    ),
    "link.done": (
        'Linked this PC as "{device}" with {endpoint}.',
        "この PC を「{device}」として {endpoint} と連携しました。",
    ),
    "link.stored_in": (
        "Sign-in stored in: {kind} ({location})",
        "サインインの保存先: {kind} ({location})",
    ),
    "link.access_expires": (
        "Access token valid until {when}; aimcoach renews it by itself.",
        "アクセストークンの有効期限: {when}。aimcoach が自動で更新します。",
    ),
    "link.refresh_expires": (
        "Renewal possible until {when}; run aimcoach at least once before then.",
        "更新可能な期限: {when}。それまでに一度は aimcoach を実行してください。",
    ),
    "link.next_step": (
        "Next: run `aimcoach run` to send your runs as they finish.",
        "次に `aimcoach run` を実行すると、終わったランを順次送信します。",
    ),
    "link.time_and_distance": ("{time} ({distance})", "{time} ({distance})"),
    "link.in_days": ("in {days} days", "あと {days} 日"),
    "link.in_one_day": ("in 1 day", "あと 1 日"),
    "link.within_a_day": ("within a day", "1 日以内"),
    "link.expired": ("expired", "期限切れ"),
    "link.status_not_linked": (
        "Link: not linked. Get a 6-digit code on the AimCoach site and run "
        "`aimcoach link --code XXXXXX`.",
        "連携: 未連携です。AimCoach のサイトで 6 桁のコードを取得し、"
        "`aimcoach link --code XXXXXX` を実行してください。",
    ),
    "link.status_linked": (
        'Link: linked as "{device}" with {endpoint} (since {linked_at})',
        "連携: 「{device}」として {endpoint} と連携済み ({linked_at} から)",
    ),
    "link.status_store": (
        "Token store: {kind} ({location})",
        "トークンの保存先: {kind} ({location})",
    ),
    "link.status_store_error": (
        "Token store: cannot be used. {error}",
        "トークンの保存先: 使用できません。{error}",
    ),
    "link.status_access": ("Access token expires: {when}", "アクセストークンの有効期限: {when}"),
    "link.status_refresh": ("Renewal possible until: {when}", "更新可能な期限: {when}"),
    "link.status_relink": (
        "Relink needed: the server refused this PC's sign-in. Get a new code on the AimCoach "
        "site and run `aimcoach link --code XXXXXX`.",
        "再連携が必要です: サーバーがこの PC のサインインを拒否しました。AimCoach のサイトで"
        "新しいコードを取得し、`aimcoach link --code XXXXXX` を実行してください。",
    ),
    "link.status_endpoint_mismatch": (
        "The link is for {linked}, not the configured --api-endpoint: link again, or set the "
        "endpoint back.",
        "この連携は {linked} 用で、設定された --api-endpoint とは異なります。再連携するか、"
        "接続先を元に戻してください。",
    ),
    "link.status_override": (
        "An access token is given with --api-token / AIMCOACH_API_TOKEN: it is used instead of "
        "the linked sign-in for this command (it is never stored).",
        "--api-token / AIMCOACH_API_TOKEN でアクセストークンが指定されています: このコマンドでは"
        "連携済みサインインの代わりに使われます (保存はされません)。",
    ),
    # -- unlink: `aimcoach unlink` (unlink.) --
    "unlink.help": (
        "unlink this PC: revoke its sign-in on the server and forget it here",
        "この PC の連携を解除する: サーバー側のサインインを取り消し、ここから削除する",
    ),
    "unlink.description": (
        "Unlink this PC: ask the AimCoach server to revoke this PC's tokens, then delete them "
        "from the token store. If the server cannot be reached, the tokens are deleted here "
        "anyway. Running it again is harmless.",
        "この PC の連携を解除します: AimCoach サーバーにこの PC のトークンの取り消しを依頼し、"
        "トークンの保存先から削除します。サーバーに接続できない場合もここからは削除します。"
        "何度実行しても問題ありません。",
    ),
    "unlink.not_linked": (
        "This PC is not linked; there is nothing to unlink.",
        "この PC は連携されていないため、解除するものはありません。",
    ),
    "unlink.done": (
        "This PC is unlinked: {endpoint} no longer accepts its sign-in, and the sign-in was "
        "removed from this PC ({kind}: {location}).",
        "この PC の連携を解除しました。{endpoint} はこの PC のサインインをもう受け付けず、"
        "サインイン情報もこの PC から削除しました ({kind}: {location})。",
    ),
    "unlink.already_revoked": (
        "The server had already stopped accepting this PC's sign-in; it was deleted from {kind} "
        "({location}).",
        "サーバーはすでにこの PC のサインインを受け付けていませんでした。{kind} ({location}) "
        "から削除しました。",
    ),
    "unlink.deleted_locally": (
        "Deleted this PC's sign-in from {kind} ({location}), but the server could not be told: "
        "{reason}",
        "この PC のサインインを {kind} ({location}) から削除しましたが、サーバーには通知できません"
        "でした: {reason}",
    ),
    "unlink.server_still_valid": (
        "On the server the device stays linked: its access token stays valid until {access_until} "
        "and its renewal until {refresh_until}. To cut it off now, remove the device on the "
        "AimCoach site.",
        "サーバー側ではデバイスの連携が残っています: アクセストークンは {access_until} まで、"
        "更新は {refresh_until} まで有効です。すぐに無効にするには AimCoach のサイトでデバイスを"
        "削除してください。",
    ),
    "unlink.server_error": (
        "{endpoint} answered HTTP {status}.",
        "{endpoint} が HTTP {status} を返しました。",
    ),
    "unlink.reason_unreachable": (
        "{endpoint} could not be reached.",
        "{endpoint} に接続できませんでした。",
    ),
    "unlink.reason_tls": (
        "the secure connection to {endpoint} failed (certificate not verified).",
        "{endpoint} との安全な接続に失敗しました (証明書を検証できません)。",
    ),
    "unlink.reason_timeout": (
        "{endpoint} did not answer in time.",
        "{endpoint} から時間内に応答がありませんでした。",
    ),
    "unlink.reason_network": (
        "the connection to {endpoint} broke ({reason}).",
        "{endpoint} との接続が切れました ({reason})。",
    ),
    "unlink.unreadable_deleted": (
        "The stored sign-in could not be read ({error}), so the server was not told. It was "
        "deleted from {kind} ({location}); remove the device on the AimCoach site to revoke it "
        "there too.",
        "保存されたサインインを読めなかったため ({error})、サーバーには通知していません。"
        "{kind} ({location}) からは削除しました。サーバー側でも無効にするには AimCoach のサイトで"
        "デバイスを削除してください。",
    ),
    # -- store: where the tokens are kept (store.) --
    "store.kind_not_supported": (
        'The token store "{kind}" is not supported. Set token_store to one of: {supported}.',
        "トークンの保存先「{kind}」には対応していません。token_store には次のいずれかを"
        "指定してください: {supported}。",
    ),
    "store.kind_unavailable": (
        'The token store "{kind}" is not available on this system ({platform}). Set '
        "token_store to auto, or to file for an encrypted file.",
        "トークンの保存先「{kind}」はこのシステム ({platform}) では使えません。token_store を "
        "auto、または暗号化ファイルを使う file にしてください。",
    ),
    "store.keystore_unavailable": (
        "The OS keystore ({kind}) cannot be reached (no keyring backend works here). Unlock or "
        "start it, or set token_store to file for an encrypted file.",
        "OS のキーストア ({kind}) に接続できません (使えるキーリングがありません)。キーストアを"
        "起動またはロック解除するか、token_store を file (暗号化ファイル) にしてください。",
    ),
    "store.keystore_failed": (
        "The OS keystore ({kind}) refused the request ({reason}). Unlock it and try again, or "
        "set token_store to file for an encrypted file.",
        "OS のキーストア ({kind}) が要求を拒否しました ({reason})。ロックを解除してやり直すか、"
        "token_store を file (暗号化ファイル) にしてください。",
    ),
    "store.keystore_too_big": (
        "The tokens are too large for the OS keystore ({kind}). Set token_store to file and "
        "link again.",
        "トークンが大きすぎて OS のキーストア ({kind}) に保存できません。token_store を file に"
        "して、もう一度連携してください。",
    ),
    "store.auto_file_fallback": (
        "No OS keystore is available, so the sign-in is kept in an encrypted file ({path}). It "
        "needs a passphrase: set AIMCOACH_TOKEN_PASSPHRASE, or run in a terminal to be asked "
        "for one.",
        "OS のキーストアが使えないため、サインインは暗号化ファイル ({path}) に保存します。"
        "パスフレーズが必要です: AIMCOACH_TOKEN_PASSPHRASE を設定するか、端末で実行して入力して"
        "ください。",
    ),
    "store.passphrase_missing": (
        "The encrypted token file needs a passphrase, but none is set and there is no terminal "
        "to ask on. Set the environment variable AIMCOACH_TOKEN_PASSPHRASE.",
        "暗号化トークンファイルにはパスフレーズが必要ですが、設定されておらず、入力を求める"
        "端末もありません。環境変数 AIMCOACH_TOKEN_PASSPHRASE を設定してください。",
    ),
    "store.passphrase_empty": (
        "The passphrase for the encrypted token file is empty. Set AIMCOACH_TOKEN_PASSPHRASE "
        "or type a passphrase when asked.",
        "暗号化トークンファイルのパスフレーズが空です。AIMCOACH_TOKEN_PASSPHRASE を設定するか、"
        "求められたときに入力してください。",
    ),
    "store.passphrase_mismatch": (
        "The two passphrases differ. Run the command again and type the same passphrase twice.",
        "2 回入力したパスフレーズが一致しません。もう一度実行して、同じパスフレーズを 2 回"
        "入力してください。",
    ),
    "store.passphrase_prompt": (
        "Passphrase for the aimcoach token file: ",
        "aimcoach トークンファイルのパスフレーズ: ",
    ),
    "store.passphrase_prompt_new": (
        "New passphrase for the aimcoach token file: ",
        "aimcoach トークンファイルの新しいパスフレーズ: ",
    ),
    "store.passphrase_prompt_again": (
        "The same passphrase again: ",
        "確認のためもう一度: ",
    ),
    "store.file_wrong_passphrase": (
        "The passphrase does not open the token file {path}. Check the passphrase (the one typed, "
        "or AIMCOACH_TOKEN_PASSPHRASE); if it is lost, run `aimcoach unlink` and link again.",
        "パスフレーズではトークンファイル {path} を開けません。パスフレーズ (入力したもの、または"
        "AIMCOACH_TOKEN_PASSPHRASE) を確認してください。分からない場合は `aimcoach unlink` の後、"
        "もう一度連携してください。",
    ),
    "store.passphrase_not_here": (
        "The token file needs its passphrase again (this PC was linked, or linked again, while "
        "aimcoach was running), and a passphrase can only be typed when aimcoach starts. Start "
        "aimcoach again (nothing is lost), or set AIMCOACH_TOKEN_PASSPHRASE.",
        "トークンファイルのパスフレーズがもう一度必要です (aimcoach の実行中にこの PC が連携、"
        "または連携し直されました)。パスフレーズは aimcoach の起動時にしか入力できません。"
        "aimcoach をもう一度起動するか (何も失われません)、AIMCOACH_TOKEN_PASSPHRASE を設定して"
        "ください。",
    ),
    "store.file_tampered": (
        "The token file {path} is damaged or was changed, so it is not used. Run "
        "`aimcoach unlink` and link again with a new code.",
        "トークンファイル {path} が壊れているか変更されているため、使いません。"
        "`aimcoach unlink` を実行し、新しいコードでもう一度連携してください。",
    ),
    "store.file_unreadable": (
        "The token file {path} cannot be read ({reason}). Check its permissions.",
        "トークンファイル {path} を読めません ({reason})。権限を確認してください。",
    ),
    "store.file_unwritable": (
        "The token file {path} cannot be written ({reason}). Check the folder's permissions and "
        "free space, or set data_dir to another folder.",
        "トークンファイル {path} に書き込めません ({reason})。フォルダーの権限と空き容量を"
        "確認するか、data_dir を別のフォルダーにしてください。",
    ),
    "store.corrupt": (
        "The stored sign-in in {location} is damaged, so it is not used. Run `aimcoach unlink`, "
        "then link again with a new code.",
        "{location} に保存されたサインインが壊れているため、使いません。`aimcoach unlink` を"
        "実行し、新しいコードでもう一度連携してください。",
    ),
    "store.nothing_to_rotate": (
        "There is no stored sign-in in {location} to renew. Link this PC with "
        "`aimcoach link --code XXXXXX`.",
        "{location} に更新するサインインがありません。`aimcoach link --code XXXXXX` でこの PC を"
        "連携してください。",
    ),
    "store.dpapi_failed": (
        "Windows could not protect the token data ({operation}, error {code}). Try again; if it "
        "keeps failing, set token_store to file.",
        "Windows がトークンデータを保護できませんでした ({operation}、エラー {code})。やり直して"
        "ください。繰り返す場合は token_store を file にしてください。",
    ),
    "store.dpapi_unreadable": (
        "Windows could not unlock the token file {path} (error {code}): it belongs to another "
        "Windows user or PC, or it is damaged. Run `aimcoach unlink` and link again.",
        "Windows がトークンファイル {path} を復号できませんでした (エラー {code}): 別の Windows "
        "ユーザーや PC のものか、壊れています。`aimcoach unlink` を実行してもう一度連携して"
        "ください。",
    ),
    # ---- transport ------------------------------------------------------------------------
    "transport.timeout": (
        "The ingest API at {endpoint} did not answer in time. The records are kept and "
        "aimcoach tries again shortly; if this goes on, check your internet connection.",
        "{endpoint} の取り込み API が時間内に応答しませんでした。記録は保持され、aimcoach が"
        "まもなく再試行します。続く場合はインターネット接続を確認してください。",
    ),
    "transport.network": (
        "Could not reach the ingest API at {endpoint} ({detail}). The records are kept and "
        "aimcoach tries again shortly; check your internet connection and any proxy or firewall.",
        "{endpoint} の取り込み API に接続できませんでした ({detail})。記録は保持され、aimcoach が"
        "まもなく再試行します。インターネット接続とプロキシやファイアウォールを確認してください。",
    ),
    "transport.bad_reply": (
        "The ingest API answered HTTP {status} with a reply aimcoach cannot read (at {detail}). "
        "The same batch will be sent again later; if this goes on, report it to AimCoach "
        "support.",
        "取り込み API が HTTP {status} で、aimcoach が読めない応答を返しました ({detail} の箇所)。"
        "同じバッチを後で再送します。続く場合は AimCoach サポートに報告してください。",
    ),
    "transport.rate_limited": (
        "The ingest API asked aimcoach to slow down (HTTP 429). "
        "It waits as asked and sends again; nothing is lost.",
        "取り込み API から送信を控えるよう求められました (HTTP 429)。"
        "指定の時間待ってから再送します。データは失われません。",
    ),
    "transport.server_error": (
        "The ingest API had a problem of its own (HTTP {status}). "
        "The records are kept and aimcoach tries again later; nothing is needed from you.",
        "取り込み API 側で問題が起きました (HTTP {status})。"
        "記録は保持され、aimcoach が後で再試行します。操作は必要ありません。",
    ),
    "transport.unexpected_status": (
        "The ingest API answered HTTP {status} ({code}). The records are kept and aimcoach "
        "tries again later; if this goes on, check the API endpoint setting.",
        "取り込み API が HTTP {status} ({code}) を返しました。記録は保持され、aimcoach が後で"
        "再試行します。続く場合は API エンドポイントの設定を確認してください。",
    ),
    "sender.unauthorized_after_refresh": (
        "The ingest API refused the device token even after a refresh. The records are kept "
        "and aimcoach tries again later; if this goes on, run `aimcoach link` again.",
        "トークンを更新しても取り込み API がデバイストークンを受け付けませんでした。記録は"
        "保持され、aimcoach が後で再試行します。続く場合は `aimcoach link` をやり直してください。",
    ),
    "sender.wait_too_long": (
        "the server asked to wait {seconds} seconds before trying again ({reason}).",
        "サーバーから再試行まで {seconds} 秒待つよう求められました ({reason})。",
    ),
    "sender.delivery_incomplete": (
        "{pending} records could not be delivered this time: {reason} "
        "They are kept and will be sent on the next run.",
        "今回は {pending} 件の記録を送信できませんでした: {reason} "
        "記録は保持され、次回の実行で送信されます。",
    ),
    "sender.bad_setting": (
        "The sender setting {name} = {value} is not allowed ({expected}). "
        "Fix it in the config file or the environment.",
        "送信の設定 {name} = {value} は使えません ({expected})。"
        "設定ファイルまたは環境変数で修正してください。",
    ),
    # ---- state ----------------------------------------------------------------------------
    "state.dir_unusable": (
        "The state folder {directory} cannot be used ({detail}). "
        "Check that it exists and that you may write to it, or choose another state folder.",
        "状態フォルダー {directory} を使えません ({detail})。"
        "フォルダーが存在し書き込み可能か確認するか、別の状態フォルダーを指定してください。",
    ),
    "state.locked": (
        "Another aimcoach is already running with the state folder {directory}. "
        "Stop it first (aimcoach ctl stop) or wait until it finishes, then try again.",
        "別の aimcoach が状態フォルダー {directory} を使って実行中です。"
        "先にそれを停止する (aimcoach ctl stop) か終了を待ってから、もう一度実行してください。",
    ),
    "state.corrupt": (
        "The state database {path} is damaged ({detail}). Move the file aside and start "
        "aimcoach again: it re-reads the game files, and runs the server already has are "
        "recognised and not counted twice.",
        "状態データベース {path} が壊れています ({detail})。ファイルを別の場所へ移してから "
        "aimcoach を再起動してください。ゲームのファイルを読み直し、サーバーに送信済みの"
        "記録は重複として扱われ、二重に数えられません。",
    ),
    "state.disk_full": (
        "The disk that holds the state database {path} is full. Free some space and start "
        "aimcoach again; nothing already read has been lost.",
        "状態データベース {path} のあるディスクがいっぱいです。空き容量を作ってから aimcoach を"
        "再起動してください。読み込み済みのデータは失われていません。",
    ),
    "state.busy": (
        "The state database {path} is locked by another program. "
        "Close any program that has it open (a database viewer, a backup tool) and try again.",
        "状態データベース {path} が別のプログラムにロックされています。"
        "開いているプログラム (データベースビューアーやバックアップツールなど) を閉じてから、"
        "もう一度実行してください。",
    ),
    "state.too_new": (
        "The state database {path} was written by a newer aimcoach (schema {found}; this "
        "version knows up to {known}). Update aimcoach to the latest release.",
        "状態データベース {path} は新しいバージョンの aimcoach で作成されています "
        "(スキーマ {found}、このバージョンは {known} まで対応)。aimcoach を最新版に"
        "更新してください。",
    ),
    "state.io": (
        "The state database {path} could not be read or written ({detail}). "
        "Check the disk and the file's permissions, then start aimcoach again.",
        "状態データベース {path} の読み書きができませんでした ({detail})。"
        "ディスクとファイルのアクセス権を確認してから、aimcoach を再起動してください。",
    ),
    # ---- pipeline / run / ctl -------------------------------------------------------------
    "run.progress": (
        "files {files} · records {records} · sent {sent} · pending {pending}",
        "ファイル {files} · レコード {records} · 送信 {sent} · 保留 {pending}",
    ),
    "run.summary": (
        "Done: {files} stats files read, {records} records ({new} new, {known} already known); "
        "the server accepted {accepted}, already had {server_duplicates}, refused {rejected}; "
        "{quarantined} set aside; {pending} still pending.",
        "完了: stats ファイル {files} 件を読み、レコード {records} 件 (新規 {new} 件、既知 {known} 件)。"
        "サーバーは {accepted} 件を受理、{server_duplicates} 件は登録済み、{rejected} 件を拒否。"
        "{quarantined} 件を除外、{pending} 件が保留中です。",
    ),
    "run.sign_in_in_use": (
        "Another aimcoach run is already using this PC's sign-in (data folder {directory}). "
        "Only one may run at a time; stop the other with `aimcoach ctl stop`.",
        "別の aimcoach run がこの PC のサインイン (データフォルダー {directory}) を使用中です。"
        "同時に実行できるのは 1 つだけです。もう一方を `aimcoach ctl stop` で停止してください。",
    ),
    "run.not_a_folder": (
        "The KovaaK's stats folder {path} is a file, not a folder. Give the `stats` folder "
        "itself with --kovaaks-csv-dir (it holds the `… Stats.csv` files).",
        "KovaaK's の stats フォルダー {path} はファイルです。--kovaaks-csv-dir には "
        "`… Stats.csv` が入っている `stats` フォルダーそのものを指定してください。",
    ),
    "run.folder_missing": (
        "The KovaaK's stats folder {path} does not exist. Check the path given with "
        "--kovaaks-csv-dir (or leave it out: `aimcoach status` shows the folder found by itself).",
        "KovaaK's の stats フォルダー {path} がありません。--kovaaks-csv-dir のパスを確認してください "
        "(省略すると自動で探します。`aimcoach status` で確認できます)。",
    ),
    "run.aimlabs_busy_hint": (
        "The Aim Lab database stayed locked (is Aim Lab saving right now?), so its newest runs "
        "were not read this time. Nothing is lost: they are read on the next run.",
        "Aim Lab のデータベースがロックされたままだったため (Aim Lab が保存中かもしれません)、"
        "最新のプレイを今回は読み込めませんでした。失われてはいません。次回の実行で読み込みます。",
    ),
    "run.quarantined_hint": (
        "The inputs above could not be read (the reasons say why). Fix or remove them; "
        "everything else was delivered. They are read again once they change.",
        "上記の入力は読み込めませんでした (理由を参照してください)。修正するか削除してください。"
        "それ以外は送信済みです。変更されると再度読み込みます。",
    ),
    "run.rejected_hint": (
        "The server refused some records as invalid; they are kept with the reason and will "
        "not be sent again. Please report this with the log.",
        "サーバーが一部のレコードを不正として拒否しました。理由とともに保存され、再送はしません。"
        "ログを添えて報告してください。",
    ),
    "run.pending_hint": (
        "Pending records are kept and go out on the next `aimcoach run`.",
        "保留中のレコードは保存され、次の `aimcoach run` で送信されます。",
    ),
    "run.not_linked": (
        "This PC is not linked to an AimCoach account yet: runs are read and kept, and sent "
        "once you link. Get a code on the AimCoach website and run `aimcoach link --code …`.",
        "この PC はまだ AimCoach アカウントと連携していません。プレイは読み込んで保存し、連携後に"
        "送信します。AimCoach のサイトでコードを取得し、`aimcoach link --code …` を実行してください。",
    ),
    "run.stopped": (
        "aimcoach stopped; nothing was lost.",
        "aimcoach を停止しました。データは失われていません。",
    ),
    "supervisor.gave_up": (
        "The {actor} part of aimcoach failed {count} times within {window} seconds, so aimcoach "
        "stopped. Its last error: {error}. Fix what that error names and start `aimcoach run` "
        "again; runs already read are kept and will be delivered then.",
        "aimcoach の {actor} が {window} 秒間に {count} 回失敗したため、aimcoach を停止しました。"
        "最後のエラー: {error}。エラーの原因を直してから `aimcoach run` をもう一度起動してください。"
        "読み取り済みの記録は保存されており、そのときに送信されます。",
    ),
    "supervisor.not_restarted": (
        "The {actor} part of aimcoach stopped with an error that restarting cannot fix: {error}. "
        "aimcoach has stopped; fix the cause and start `aimcoach run` again.",
        "aimcoach の {actor} が再起動では直らないエラーで止まりました: {error}。"
        "aimcoach を停止しました。原因を直してから `aimcoach run` をもう一度起動してください。",
    ),
    "supervisor.returned": (
        "{actor} ended although it should keep running; aimcoach restarted it.",
        "{actor} は動き続けるはずが終了したため、aimcoach が再起動しました。",
    ),
    "ctl.not_running": (
        "No aimcoach run is running. Start it with `aimcoach run`.",
        "実行中の aimcoach run はありません。`aimcoach run` で起動してください。",
    ),
    "ctl.stale": (
        "No aimcoach run is running: the control file {path} was left behind by process {pid}, "
        "which is no longer there. Start it with `aimcoach run` (it replaces the file).",
        "実行中の aimcoach run はありません。制御ファイル {path} はすでに終了したプロセス {pid} "
        "が残したものです。`aimcoach run` で起動してください (ファイルは置き換えられます)。",
    ),
    "ctl.bad_runtime_file": (
        "No aimcoach run could be found: its control file {path} cannot be used ({error}). "
        "If no aimcoach run is running, delete that file; then start it with `aimcoach run`.",
        "実行中の aimcoach run が見つかりません。制御ファイル {path} を使えません ({error})。"
        "aimcoach run が動いていなければそのファイルを削除し、`aimcoach run` で起動してください。",
    ),
    "ctl.timeout": (
        "The running aimcoach did not answer within {seconds} seconds. It may be busy; wait a "
        "moment and try again. If it never answers, stop it with Ctrl+C in its window.",
        "実行中の aimcoach が {seconds} 秒以内に応答しませんでした。処理中の可能性があります。"
        "少し待ってからもう一度試してください。応答しないままなら、そのウィンドウで Ctrl+C を"
        "押して停止してください。",
    ),
    "ctl.refused": (
        "The running aimcoach refused this request (HTTP {status}). Its control file may belong "
        "to a different run; restart `aimcoach run` and try again.",
        "実行中の aimcoach がこの要求を拒否しました (HTTP {status})。制御ファイルが別の実行の"
        "ものかもしれません。`aimcoach run` を起動し直してから、もう一度試してください。",
    ),
    "ctl.closed": (
        "The running aimcoach closed the connection before answering; it may be stopping. "
        "Check with `aimcoach ctl status` in a moment.",
        "実行中の aimcoach が応答する前に接続を閉じました。停止中の可能性があります。"
        "少し待ってから `aimcoach ctl status` で確認してください。",
    ),
    "ctl.bad_reply": (
        "The running aimcoach sent an answer this version cannot read. Make sure `aimcoach run` "
        "and `aimcoach ctl` are the same version (restart the run after an update).",
        "実行中の aimcoach からの応答をこのバージョンでは読めません。`aimcoach run` と "
        "`aimcoach ctl` が同じバージョンか確認してください (更新後は run を起動し直してください)。",
    ),
    "ctl.command_failed": (
        "The running aimcoach could not do that ({error}). Its log has the details; try again, "
        "or restart `aimcoach run` if it keeps happening.",
        "実行中の aimcoach はその操作を実行できませんでした ({error})。詳細はログにあります。"
        "もう一度試し、繰り返す場合は `aimcoach run` を起動し直してください。",
    ),
    "ctl.runtime_unwritable": (
        "aimcoach cannot write its control file {path} ({error}), so `aimcoach ctl` could not "
        "reach it. Check that the folder is yours and writable, or choose another with "
        "--state-dir.",
        "aimcoach が制御ファイル {path} を書き込めません ({error})。このままでは "
        "`aimcoach ctl` から操作できません。フォルダーが自分のもので書き込めるか確認するか、"
        "--state-dir で別のフォルダーを指定してください。",
    ),
    "ctl.title": (
        "aimcoach run (pid {pid}, version {version}), up {uptime}",
        "aimcoach run (pid {pid}、バージョン {version})、稼働時間 {uptime}",
    ),
    "ctl.stopping_now": (
        "Stopping: finishing the work already read, then exiting.",
        "停止中: 読み取り済みの処理を終えてから終了します。",
    ),
    "ctl.actors": ("Parts:", "構成要素:"),
    "ctl.state.starting": ("starting", "起動中"),
    "ctl.state.running": ("running", "動作中"),
    "ctl.state.restarting": ("restarting after an error", "エラー後の再起動待ち"),
    "ctl.state.stopped": ("stopped", "停止"),
    "ctl.state.failed": ("failed (see the error below)", "失敗 (下のエラーを参照)"),
    "ctl.state.done": ("finished", "完了"),
    "ctl.restarts": ("restarts: {count}", "再起動: {count} 回"),
    "ctl.last_error": ("last error: {error}", "最後のエラー: {error}"),
    "ctl.channels": ("Queues (in use / size):", "キュー (使用中 / 容量):"),
    "ctl.counters": ("Counters:", "カウンター:"),
    "ctl.counter.files_seen": ("stats files seen", "検出した stats ファイル"),
    "ctl.counter.records_parsed": ("runs read", "読み取った記録"),
    "ctl.counter.quarantined": ("inputs set aside", "隔離した入力"),
    "ctl.counter.duplicates_skipped": ("duplicates skipped", "スキップした重複"),
    "ctl.counter.pending": ("waiting to be sent", "送信待ち"),
    "ctl.counter.sent": ("sent", "送信済み"),
    "ctl.counter.accepted": ("accepted by the server", "サーバーが受理"),
    "ctl.counter.rejected": ("rejected by the server", "サーバーが拒否"),
    "ctl.counter.retries": ("retries", "再試行"),
    "ctl.counter.server_duplicates": ("already on the server", "サーバーに登録済み"),
    "ctl.token_valid": (
        "Device token: valid until {expires_at} ({days} days left); renewed automatically.",
        "デバイストークン: {expires_at} まで有効 (残り {days} 日)。自動で更新されます。",
    ),
    "ctl.token_expired": (
        "Device token: expired on {expires_at}. aimcoach renews it as soon as it reaches the "
        "server; if that keeps failing, link this PC again with `aimcoach link`.",
        "デバイストークン: {expires_at} に期限切れになりました。サーバーに接続でき次第 aimcoach "
        "が更新します。失敗が続く場合は `aimcoach link` でこの PC をもう一度リンクしてください。",
    ),
    "ctl.token_linked": (
        "Device token: linked.",
        "デバイストークン: リンク済み。",
    ),
    "ctl.token_relink": (
        "Device token: refused by the server. Link this PC again with `aimcoach link`; runs "
        "are kept until then.",
        "デバイストークン: サーバーに拒否されました。`aimcoach link` でこの PC をもう一度リンク"
        "してください。それまで記録は保存されます。",
    ),
    "ctl.token_not_linked": (
        "Device token: this PC is not linked. Link it with `aimcoach link --code 123456`.",
        "デバイストークン: この PC はリンクされていません。`aimcoach link --code 123456` で"
        "リンクしてください。",
    ),
    "ctl.last_delivery": ("Last successful delivery: {at}", "最後に送信に成功した日時: {at}"),
    "ctl.last_delivery_never": (
        "Last successful delivery: none yet.",
        "最後に送信に成功した日時: まだありません。",
    ),
    "ctl.stop_requested": (
        "Stop requested: aimcoach is finishing the work already read.",
        "停止を要求しました。aimcoach は読み取り済みの処理を終えてから停止します。",
    ),
    "ctl.stopped": ("aimcoach has stopped.", "aimcoach は停止しました。"),
    "ctl.still_stopping": (
        "aimcoach is still finishing after {seconds} seconds; it stops on its own. Check with "
        "`aimcoach ctl status`.",
        "{seconds} 秒経っても aimcoach はまだ処理を終えていません。自動で停止します。"
        "`aimcoach ctl status` で確認してください。",
    ),
    "ctl.summary_title": ("Running agent:", "実行中のエージェント:"),
    "ctl.summary_not_running": (
        "Running agent: none (start it with `aimcoach run`).",
        "実行中のエージェント: なし (`aimcoach run` で起動できます)。",
    ),
    "export.nothing_to_read": (
        "There is nothing to read: no KovaaK's stats folder and no Aim Lab database were found "
        "or given. Pass --kovaaks-csv-dir / --aimlabs-sqlite (or check `aimcoach status`).",
        "読み込むものがありません。KovaaK's の stats フォルダーも Aim Lab のデータベースも見つからず、"
        "指定もありません。--kovaaks-csv-dir / --aimlabs-sqlite を指定してください "
        "(`aimcoach status` で確認できます)。",
    ),
    "export.folder_unreadable": (
        "the folder cannot be read ({error}); check that it exists and that you may read it",
        "フォルダーを読めません ({error})。存在と読み取り権限を確認してください",
    ),
    "export.file_unreadable": (
        "the file cannot be read ({error}); it will be tried again next time",
        "ファイルを読めません ({error})。次回もう一度試します",
    ),
    "export.dry_run_summary": (
        "Dry run: {files} stats files read, {records} records printed, {quarantined} set aside, "
        "{ignored} other files ignored, {skipped} older than --since. Nothing was sent or saved.",
        "ドライラン: stats ファイル {files} 件を読み、レコード {records} 件を出力しました。"
        "{quarantined} 件を除外、その他のファイル {ignored} 件を無視、--since より古いもの "
        "{skipped} 件。送信も保存もしていません。",
    ),
    "export.quarantined_line": ("  set aside: {source}: {reason}", "  除外: {source}: {reason}"),
    "watcher.events_unavailable": (
        "File-system events are not available for {path} ({error}). aimcoach looks at the "
        "folder every {seconds} seconds instead, so new runs may take that long to appear. "
        "Nothing to do; set force_polling to use this mode from the start on network drives.",
        "{path} のファイルシステムイベントを使えません（{error}）。代わりに {seconds} 秒ごとに"
        "フォルダーを確認するため、新しいプレイの反映にその程度かかることがあります。"
        "対応は不要です。ネットワークドライブでは force_polling を設定すると最初からこの方式に"
        "なります。",
    ),
    "watcher.folder_missing": (
        "The folder {path} does not exist (yet). aimcoach starts reading it as soon as it "
        "appears; if the game keeps its files elsewhere, correct the configured path.",
        "フォルダー {path} が（まだ）ありません。作成されしだい aimcoach が読み取りを始めます。"
        "ゲームのファイルが別の場所にある場合は、設定のパスを修正してください。",
    ),
    "watcher.folder_gone": (
        "The folder {path} was removed or replaced. aimcoach reads it again as soon as it is "
        "back; runs already read are kept.",
        "フォルダー {path} が削除または置き換えられました。元に戻りしだい aimcoach が"
        "もう一度読み取ります。読み取り済みのプレイは保持されます。",
    ),
    "watcher.scan_failed": (
        "The folder {path} cannot be listed ({error}). aimcoach tries again in {seconds} "
        "seconds; check that your user account may read the folder.",
        "フォルダー {path} の一覧を取得できません（{error}）。{seconds} 秒後にもう一度"
        "試します。このユーザーがフォルダーを読み取れるか確認してください。",
    ),
    "watcher.stat_failed": (
        "The file {path} cannot be examined ({error}). aimcoach tries again at the next look "
        "at the folder; check that your user account may read it.",
        "ファイル {path} を確認できません（{error}）。次にフォルダーを確認するときにもう一度"
        "試します。このユーザーがファイルを読み取れるか確認してください。",
    ),
    "worker.read_failed": (
        "The stats file {path} cannot be read ({error}); it was set aside. Check that no "
        "other program keeps it locked and that your user account may read it; aimcoach "
        "reads it again when the file changes (saving it again is enough).",
        "統計ファイル {path} を読み取れません（{error}）。このファイルは別に保管しました。"
        "他のプログラムがロックしていないか、このユーザーが読み取れるかを確認してください。"
        "ファイルが変わるともう一度読み取ります（保存し直すだけで十分です）。",
    ),
    "worker.too_large": (
        "The file {path} is {size} bytes, far larger than any KovaaK's stats file (limit "
        "{limit} bytes), so it was set aside unread. Move it out of the stats folder if it "
        "does not belong there.",
        "ファイル {path} は {size} バイトで、KovaaK's の統計ファイルとしては大きすぎる"
        "（上限 {limit} バイト）ため、読まずに別に保管しました。統計フォルダーのファイルで"
        "なければ、フォルダーの外に移動してください。",
    ),
    "worker.parser_failed": (
        "Reading {path} failed unexpectedly ({error}); this input was set aside and "
        "everything else keeps flowing. Please report this message with the file attached.",
        "{path} の読み取りが予期せず失敗しました（{error}）。この入力は別に保管し、"
        "ほかの処理は続けています。このメッセージにファイルを添えて報告してください。",
    ),
    "worker.aimlabs_busy": (
        "The Aim Lab database {path} stayed locked through {attempts} attempts (the game is "
        "saving). Nothing to do: aimcoach reads it again the next time the game writes to "
        "it, or when aimcoach restarts.",
        "Aim Lab のデータベース {path} は {attempts} 回試してもロックされたままでした"
        "（ゲームが保存中です）。対応は不要です。次にゲームが書き込んだとき、または"
        "aimcoach の再起動時にもう一度読み取ります。",
    ),
    # ---- service --------------------------------------------------------------------------
    "service.help": (
        "start aimcoach at login (install, uninstall, status)",
        "ログイン時に aimcoach を起動する (install、uninstall、status)",
    ),
    "service.description": (
        "Set up the OS's own service manager to start `aimcoach run` when you log in, and to "
        "start it again if it fails: a Task Scheduler task on Windows, a systemd user unit on "
        "Linux, a LaunchAgent on macOS. No administrator rights are needed.",
        "ログイン時に `aimcoach run` を起動し、失敗したときは再起動するよう、OS のサービス管理に登録します "
        "(Windows はタスク スケジューラのタスク、Linux は systemd のユーザーユニット、macOS は LaunchAgent)。"
        "管理者権限は不要です。",
    ),
    "service.install.help": (
        "start aimcoach at every login, and now",
        "ログインのたびに aimcoach を起動する (今すぐ起動も)",
    ),
    "service.install.description": (
        "Write the start-at-login entry for this user and start it now. It runs this same "
        "installation of aimcoach, by its absolute path, with the config file given by --config or "
        "AIMCOACH_CONFIG if any. Running it again replaces the entry.",
        "このユーザーのログイン時の起動設定を書き込み、今すぐ起動します。起動するのはこの aimcoach "
        "(絶対パスで指定) で、--config または AIMCOACH_CONFIG で設定ファイルを指定していればそれも使います。"
        "もう一度実行すると設定を置き換えます。",
    ),
    "service.uninstall.help": (
        "stop starting aimcoach at login, and stop it",
        "ログイン時の起動をやめ、実行中なら停止する",
    ),
    "service.uninstall.description": (
        "Stop the agent the service manager started and remove everything `aimcoach service "
        "install` set up. Your link, settings and state are kept.",
        "サービス管理が起動したエージェントを停止し、`aimcoach service install` が設定したものをすべて削除します。"
        "連携、設定、状態はそのまま残ります。",
    ),
    "service.status.help": (
        "say whether aimcoach starts at login and is running",
        "ログイン時に起動する設定か、実行中かを表示する",
    ),
    "service.status.description": (
        "Whether the start-at-login entry is there, what the service manager says about it, "
        "and whether an `aimcoach run` is running now.",
        "ログイン時の起動設定があるか、サービス管理の状態、`aimcoach run` が今実行中かを表示します。",
    ),
    "service.kind.systemd": ("systemd user unit", "systemd のユーザーユニット"),
    "service.kind.launchd": ("LaunchAgent", "launchd のエージェント (LaunchAgent)"),
    "service.kind.task_scheduler": ("Task Scheduler task", "タスク スケジューラのタスク"),
    "service.installed": (
        "aimcoach now starts when you log in, and is running now ({kind}: {location}).",
        "aimcoach はログイン時に起動するようになり、今も実行中です ({kind}: {location})。",
    ),
    "service.installed_not_started": (
        "aimcoach now starts when you log in ({kind}: {location}). It was not started now because "
        "another aimcoach run is already running (pid {pid}). Stop it with `aimcoach ctl stop` and "
        "run `aimcoach service install` again to start it now, or leave it until your next login.",
        "aimcoach はログイン時に起動するようになりました ({kind}: {location})。別の aimcoach run が実行中 "
        "(pid {pid}) のため、今は起動していません。今すぐ起動するには `aimcoach ctl stop` で停止してから "
        "`aimcoach service install` をもう一度実行してください。次のログインまで待ってもかまいません。",
    ),
    "service.command": ("Command: {command}", "コマンド: {command}"),
    "service.env_not_seen": (
        "Note: {names} come from environment variables of this terminal, which the service will "
        "not see. Put these settings in the config file ({path}) so that it uses them too.",
        "注意: {names} はこのターミナルの環境変数から来ていますが、サービスからは見えません。"
        "サービスでも使うには、これらの設定を設定ファイル ({path}) に書いてください。",
    ),
    "service.no_systemd": (
        "systemd was not found (there is no systemctl command), so aimcoach cannot set itself up "
        "to start at login on this system. Nothing was changed. Add `aimcoach run` to your "
        "desktop's autostart settings instead.",
        "systemd が見つからない (systemctl コマンドがない) ため、このシステムでは aimcoach をログイン時に"
        "起動するよう設定できません。何も変更していません。代わりにデスクトップの自動起動の設定に "
        "`aimcoach run` を追加してください。",
    ),
    "service.no_manager": (
        "The {program} command was not found, so aimcoach cannot set itself up to start at login "
        "here. Nothing was changed. Start `aimcoach run` yourself after logging in instead.",
        "{program} コマンドが見つからないため、ここでは aimcoach をログイン時に起動するよう設定できません。"
        "何も変更していません。代わりにログイン後に `aimcoach run` を自分で起動してください。",
    ),
    "service.manager_unreachable": (
        "{path} was written, but {manager} could not enable it: {error}. This happens outside a "
        "desktop session (over SSH, in a container). Run `{command}` in your desktop session to "
        "enable it, or `aimcoach service uninstall` to remove the file.",
        "{path} を書き込みましたが、{manager} で有効にできませんでした: {error}。"
        "デスクトップのセッション外 (SSH やコンテナー) ではこうなります。デスクトップのセッションで "
        "`{command}` を実行して有効にするか、`aimcoach service uninstall` でファイルを削除してください。",
    ),
    "service.enabled_not_started": (
        "aimcoach will start at your next login ({location}), but it could not be started now "
        "because {manager} could not be reached: {error}. This happens outside a desktop session "
        "(over SSH, in a container). To start it now, run `{command}` in your desktop session.",
        "aimcoach は次回のログインから起動します ({location}) が、{manager} に接続できないため今は起動できません"
        "でした: {error}。デスクトップのセッション外 (SSH やコンテナー) ではこうなります。今すぐ起動するには、"
        "デスクトップのセッションで `{command}` を実行してください。",
    ),
    "service.register_failed": (
        "{manager} refused to register aimcoach to start at login: {error}. Nothing was changed. "
        "Check the message above, then run `aimcoach service install` again.",
        "{manager} が aimcoach のログイン時の起動の登録を拒否しました: {error}。何も変更していません。"
        "上のメッセージを確認してから、`aimcoach service install` をもう一度実行してください。",
    ),
    "service.start_failed": (
        "aimcoach is set to start at login ({location}), but starting it now failed: {error}. "
        "Run `aimcoach run` in a terminal to see why, then `aimcoach service install` again.",
        "aimcoach はログイン時に起動するよう設定しました ({location}) が、今の起動に失敗しました: {error}。"
        "ターミナルで `aimcoach run` を実行して原因を確認し、`aimcoach service install` をもう一度実行してください。",
    ),
    "service.bad_path": (
        "The path {path} cannot be written into a service definition because it contains a line "
        "break or another control character. Move aimcoach (or the config file) to a folder whose "
        "path has none, then try again.",
        "パス {path} は改行などの制御文字を含むため、サービスの定義に書き込めません。制御文字を含まないパスの"
        "フォルダーに aimcoach (または設定ファイル) を移してから、もう一度実行してください。",
    ),
    "service.write_failed": (
        "Could not write {path} ({error}). Check that you may write to that folder, then run the "
        "command again.",
        "{path} を書き込めませんでした ({error})。そのフォルダーに書き込めるか確認してから、"
        "もう一度実行してください。",
    ),
    "service.remove_failed": (
        "Could not remove {path} ({error}). Check that you may change that folder, then run "
        "`aimcoach service uninstall` again.",
        "{path} を削除できませんでした ({error})。そのフォルダーを変更できるか確認してから、"
        "`aimcoach service uninstall` をもう一度実行してください。",
    ),
    "service.remove_task_failed": (
        "Task Scheduler refused to delete the task {name}: {error}. Delete it in Task Scheduler, "
        "or run `aimcoach service uninstall` again.",
        "タスク スケジューラがタスク {name} の削除を拒否しました: {error}。タスク スケジューラで削除するか、"
        "`aimcoach service uninstall` をもう一度実行してください。",
    ),
    "service.uninstalled": (
        "aimcoach no longer starts at login: removed {location}.",
        "aimcoach はログイン時に起動しなくなりました: {location} を削除しました。",
    ),
    "service.uninstall_manager_warning": (
        "The service manager could not be told ({error}); the files are removed anyway. If "
        "aimcoach is still running, `aimcoach ctl stop` stops it.",
        "サービス管理に通知できませんでした ({error}) が、ファイルは削除しました。aimcoach がまだ実行中なら "
        "`aimcoach ctl stop` で停止できます。",
    ),
    "service.not_installed": (
        "aimcoach is not set up to start at login; there is nothing to remove.",
        "aimcoach はログイン時に起動する設定になっていません。削除するものはありません。",
    ),
    "service.status.installed": (
        "Starts at login: yes ({kind}: {location})",
        "ログイン時の起動: あり ({kind}: {location})",
    ),
    "service.status.not_installed": (
        "Starts at login: no. `aimcoach service install` sets it up.",
        "ログイン時の起動: なし。`aimcoach service install` で設定できます。",
    ),
    "service.status.manager": ("Service manager: {state}", "サービス管理: {state}"),
    "service.status.manager_partial": (
        "Service manager: {state} (could not be asked for more: {error})",
        "サービス管理: {state} (これ以上は問い合わせできませんでした: {error})",
    ),
    "service.status.manager_error": (
        "Service manager: could not be asked ({error})",
        "サービス管理: 問い合わせできませんでした ({error})",
    ),
    "service.status.running": (
        "Running now: yes (pid {pid}, version {version}, up {uptime})",
        "実行中: はい (pid {pid}、バージョン {version}、稼働 {uptime})",
    ),
    "service.status.not_running": ("Running now: no", "実行中: いいえ"),
    "service.status.live_error": (
        "Running now: a run is up but did not answer ({error})",
        "実行中: 起動していますが応答がありません ({error})",
    ),
    # ---- status ---------------------------------------------------------------------------
    "status.title": ("aimcoach {version}", "aimcoach {version}"),
    "status.settings": ("Settings (value [where it came from]):", "設定 (値 [設定元]):"),
    "status.unset": ("(not set)", "(未設定)"),
    "status.source.cli": ("command line", "コマンドライン"),
    "status.source.env": ("environment", "環境変数"),
    "status.source.file": ("config file", "設定ファイル"),
    "status.source.default": ("default", "既定値"),
    "status.source.link": ("from the link", "連携情報"),
    "status.source.discovered": ("discovered", "自動検出"),
    "status.source.unset": ("not set", "未設定"),
    "status.games": ("Game files:", "ゲームのファイル:"),
    "status.kovaaks": ("KovaaK's stats folder", "KovaaK's の stats フォルダー"),
    "status.aimlabs": ("Aim Lab database", "Aim Lab のデータベース"),
    "status.not_found.kovaaks_csv_dir": (
        "not found — give it with --kovaaks-csv-dir or kovaaks_csv_dir in the config file",
        "見つかりません。--kovaaks-csv-dir または設定ファイルの kovaaks_csv_dir で指定してください",
    ),
    "status.not_found.aimlabs_sqlite": (
        "not found — give it with --aimlabs-sqlite or aimlabs_sqlite in the config file",
        "見つかりません。--aimlabs-sqlite または設定ファイルの aimlabs_sqlite で指定してください",
    ),
    "status.searched": ("searched {count} places:", "{count} か所を検索しました:"),
    "status.exists": ("exists", "あり"),
    "status.missing": ("does not exist", "なし"),
    "status.folders": ("Folders:", "フォルダー:"),
    "status.folder.config_file": ("config file", "設定ファイル"),
    "status.folder.state_dir": ("state", "状態データ"),
    "status.folder.data_dir": ("data", "データ"),
}
