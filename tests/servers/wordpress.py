"""A real WordPress from Debian's packages (`wordpress`, `mariadb-server`, PHP), on 127.0.0.1.

MariaDB gets a fresh data folder and a free port; PHP's built-in server runs WordPress with four
workers (one deadlocks on WordPress's requests to itself) through a tiny router that points
Debian's wp-config.php at this run's own `/etc/wordpress/config-<name>.php`, so that runs side by
side never share a database. WordPress is installed through its own install form, and the admin's
application password is made by WordPress's own PHP (the tests never write to its tables).
Application passwords over plain http need WP_ENVIRONMENT_TYPE=local."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import free_port

WORDPRESS_ROOT = Path("/usr/share/wordpress")
CONFIG_DIR = Path("/etc/wordpress")
PACKAGES = "wordpress mariadb-server php-fpm php-sqlite3 php-curl php-xml php-mbstring"
ADMIN = "admin"
READER = "reader"   # a subscriber: signs in, may not publish


def missing() -> str | None:
    """Why this machine cannot run the fixture, or None."""
    needs = {"WordPress": WORDPRESS_ROOT / "wp-load.php", "mariadbd": shutil.which("mariadbd"),
             "mariadb-install-db": shutil.which("mariadb-install-db"), "php": shutil.which("php")}
    absent = [name for name, found in needs.items() if not found or not Path(found).exists()]
    if absent:
        return f"{', '.join(absent)} not installed (apt-get install --no-install-recommends {PACKAGES})"
    if not os.access(CONFIG_DIR, os.W_OK):   # Debian's wp-config.php reads its settings only from there
        return f"{CONFIG_DIR} is not writable by this user (the fixture writes its own config file there)"
    return None


@dataclass
class WordPressServer:
    site: str
    username: str
    application_password: str
    socket: Path
    answers: Path
    release_file: Path
    reader_password: str = ""

    def answer_next(self, status: int, code: str, message: str, retry_after: int | None = None) -> None:
        """Makes WordPress answer its next REST request with this error, the way a host's rate
        limiter or a failing plugin would (a must-use plugin of this fixture takes it from a file)."""
        self._queue({"status": status, "code": code, "message": message, "retry_after": retry_after})

    def hold_next_answer(self) -> None:
        """WordPress does its next REST request but keeps the answer until `release()` (a minute at
        most): the request's effect is there while the client is still waiting, or has given up."""
        self.release_file.unlink(missing_ok=True)
        self._queue({"hold": True})

    def release(self) -> None:
        self.release_file.touch()

    def _queue(self, answer: dict) -> None:
        queued = json.loads(self.answers.read_text()) if self.answers.exists() else []
        self.answers.write_text(json.dumps([*queued, answer]))

    def sql(self, query: str) -> list[list[str]]:
        """Rows straight from WordPress's database (an independent look at what the REST API did)."""
        return _sql(self.socket, query, "wordpress")

    def posts_titled(self, title: str) -> list[tuple[str, str, str]]:
        """(id, slug, status) of every post with this title."""
        escaped = title.replace("'", "")
        rows = self.sql(f"SELECT ID, post_name, post_status FROM wp_posts WHERE post_type = 'post' "
                        f"AND post_title = '{escaped}' ORDER BY ID")
        return [tuple(row) for row in rows]

    def posts_with_slug_prefix(self, slug: str) -> list[tuple[str, str, str]]:
        """(slug, status, title) of every post whose slug is `slug` or WordPress's `slug-2`, `slug-3`…"""
        escaped = slug.replace("'", "")
        rows = self.sql("SELECT post_name, post_status, post_title FROM wp_posts WHERE post_type = 'post' "
                        f"AND (post_name = '{escaped}' OR post_name LIKE '{escaped}-%')")
        return [tuple(row) for row in rows]


def _sql(socket: Path, query: str, database: str | None = None) -> list[list[str]]:
    out = subprocess.run(["mariadb", "--no-defaults", f"--socket={socket}", "-u", "root", "--batch",
                          "--skip-column-names", *([database] if database else []), "-e", query],
                         check=True, capture_output=True, text=True, timeout=30).stdout
    return [line.split("\t") for line in out.splitlines()]


def _wait_for(check, what: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            if check():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {timeout:g} s")
        time.sleep(0.1)


def _stop(process: subprocess.Popen | None) -> None:
    """Stops a process started in its own session, with its whole group (php -S's workers outlive it)."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


# Answers the next REST request with a queued error (see WordPressServer.answer_next).
_ANSWERS_PLUGIN = """<?php
add_filter('rest_pre_dispatch', function ($result, $server, $request) {
    $file = ANSWERS_FILE;
    if ($result !== null || !file_exists($file)) return $result;
    $handle = fopen($file, 'c+');
    flock($handle, LOCK_EX);
    $queued = json_decode(stream_get_contents($handle) ?: '[]', true) ?: [];
    $next = array_shift($queued);
    ftruncate($handle, 0); rewind($handle); fwrite($handle, json_encode($queued));
    flock($handle, LOCK_UN); fclose($handle);
    if (!$next) return $result;
    if (!empty($next['hold'])) {
        // Do the request, then keep its answer until the test releases it (or for a minute).
        add_filter('rest_post_dispatch', function ($response) {
            $until = time() + 60;
            while (!file_exists(RELEASE_FILE) && time() < $until) usleep(50000);
            return $response;
        });
        return $result;
    }
    $answer = new WP_REST_Response(['code' => $next['code'], 'message' => $next['message'],
                                    'data' => ['status' => $next['status']]], $next['status']);
    if ($next['retry_after'] !== null) $answer->header('Retry-After', (string) $next['retry_after']);
    return $answer;
}, 10, 3);
"""


def _config(name: str, db_port: int, site: str, plugins: Path) -> str:
    salts = "\n".join(f"define('{key}', '{secrets.token_hex(32)}');" for key in (
        "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY",
        "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"))
    return f"""<?php
// Written by umt's tests ({name}); removed when the test run ends.
define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', 'wordpress');
define('DB_HOST', '127.0.0.1:{db_port}');
define('WP_HOME', '{site}');
define('WP_SITEURL', '{site}');
define('WP_ENVIRONMENT_TYPE', 'local');
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('WPMU_PLUGIN_DIR', '{plugins}');
{salts}
"""


@contextmanager
def running_wordpress(folder: Path) -> Iterator[WordPressServer]:
    name = f"umttest-{secrets.token_hex(4)}"
    db_port, web_port = free_port(), free_port()
    site = f"http://127.0.0.1:{web_port}"
    data, socket_path = folder / "db", folder / "mariadb.sock"
    config_file = CONFIG_DIR / f"config-{name}.php"
    router = folder / "router.php"
    mariadb = php = None
    try:
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=root",
                        "--skip-test-db"], check=True, capture_output=True, timeout=120)
        mariadb = subprocess.Popen(
            ["mariadbd", "--no-defaults", f"--datadir={data}", "--bind-address=127.0.0.1", f"--port={db_port}",
             f"--socket={socket_path}", "--user=root", f"--pid-file={folder / 'mariadb.pid'}"],
            stdout=subprocess.DEVNULL, stderr=(folder / "mariadb.log").open("wb"), start_new_session=True)
        _wait_for(socket_path.exists, "mariadbd", mariadb)
        _sql(socket_path, "CREATE DATABASE wordpress; CREATE USER 'wordpress'@'127.0.0.1' IDENTIFIED BY "
                          "'wordpress'; GRANT ALL ON wordpress.* TO 'wordpress'@'127.0.0.1';")
        server = WordPressServer(site, ADMIN, "", socket_path, folder / "answers.json", folder / "release")
        plugins = folder / "mu-plugins"
        plugins.mkdir()
        (plugins / "umt-test-answers.php").write_text(
            _ANSWERS_PLUGIN.replace("ANSWERS_FILE", repr(str(folder / "answers.json")))
            .replace("RELEASE_FILE", repr(str(folder / "release"))))
        config_file.write_text(_config(name, db_port, site, plugins))
        # Debian's wp-config.php reads $_SERVER['WORDPRESS_CONFIG']; the built-in server keeps what a
        # router sets before it serves the file itself (return false).
        router.write_text(f"<?php $_SERVER['WORDPRESS_CONFIG'] = '{name}'; return false;\n")
        php = subprocess.Popen(["php", "-S", f"127.0.0.1:{web_port}", "-t", str(WORDPRESS_ROOT), str(router)],
                               env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"}, stdout=subprocess.DEVNULL,
                               stderr=(folder / "php.log").open("wb"), start_new_session=True)
        _wait_for(lambda: urllib.request.urlopen(f"{site}/wp-admin/install.php", timeout=10).status == 200,  # noqa: S310
                  "php -S", php)
        form = urllib.parse.urlencode({
            "weblog_title": "umt test site", "user_name": ADMIN, "admin_password": "umt-tests-admin-password",
            "admin_password2": "umt-tests-admin-password", "pw_weak": "1", "admin_email": "owner@example.test",
            "blog_public": "0", "language": ""}).encode()
        with urllib.request.urlopen(f"{site}/wp-admin/install.php?step=2", data=form, timeout=60) as answer:  # noqa: S310
            page = answer.read().decode("utf-8", "replace")
        if "Success!" not in page:
            raise RuntimeError(f"WordPress did not install: {page[:500]}")
        # The admin's application password, and a subscriber (who may not publish) with one too.
        made = subprocess.run(["php", "-r", (
            f"$_SERVER['WORDPRESS_CONFIG'] = '{name}'; $_SERVER['HTTP_HOST'] = '127.0.0.1:{web_port}';"
            "require '/usr/share/wordpress/wp-load.php';"
            f"$admin = get_user_by('login', '{ADMIN}')->ID;"
            f"$reader = wp_insert_user(['user_login' => '{READER}', 'user_pass' => wp_generate_password(),"
            "  'user_email' => 'reader@example.test', 'role' => 'subscriber']);"
            "if (is_wp_error($reader)) { fwrite(STDERR, $reader->get_error_message()); exit(1); }"
            "foreach ([$admin, $reader] as $id) {"
            "  $made = WP_Application_Passwords::create_new_application_password($id, ['name' => 'umt tests']);"
            "  if (is_wp_error($made)) { fwrite(STDERR, $made->get_error_message()); exit(1); }"
            "  echo $made[0], \"\\n\"; }")], check=True, capture_output=True, text=True, timeout=60)
        server.application_password, server.reader_password = made.stdout.split()
        yield server
    finally:
        _stop(php)
        _stop(mariadb)
        config_file.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def wordpress(tmp_path_factory) -> Iterator[WordPressServer]:
    """One WordPress for the whole run (about 10 s to start). Skipped where the packages are missing,
    unless UMT_REQUIRE_WORDPRESS=1 (CI installs them and sets it)."""
    reason = missing()
    if reason:
        if os.environ.get("UMT_REQUIRE_WORDPRESS", "") not in ("", "0"):
            pytest.fail(f"UMT_REQUIRE_WORDPRESS is set but {reason}")
        pytest.skip(reason)
    with running_wordpress(tmp_path_factory.mktemp("wordpress")) as server:
        yield server
