#!/usr/bin/env bash
# Makes a Debian machine ready for `npm test` and `npm start`: installs what is missing from
# Debian's packages (Chromium for the browser tests, shellcheck for the generated user data,
# PostgreSQL and MariaDB for the database tests and the preview's client databases) and starts the
# two database servers when they are not running. Safe to run again; does nothing that is already
# done. `npm test` runs it first, so a machine that lacks something stops here with one line that
# says what to run, not deep inside a test.
#
# A server this script installs is set up the way the tests expect a developer machine to be:
# PostgreSQL trusts 127.0.0.1 and ::1 for every local user; MariaDB's root may log in over TCP from
# localhost without a password. Servers that were already installed are never reconfigured.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
fresh_pg=false
fresh_my=false
if ! command -v pg_ctlcluster >/dev/null 2>&1; then missing+=(postgresql); fresh_pg=true; fi
if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then missing+=(mariadb-server); fresh_my=true; fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-machine: missing ${missing[*]}; run: sudo bash scripts/setup-machine.sh (or sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  echo "setup-machine: installing ${missing[*]} from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

start_postgres() {
  local version
  version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -V | tail -n1)
  if $fresh_pg; then
    # Tests and the preview connect over TCP as postgres with no password (see README: "The machine").
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    printf 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' | cat - "$hba" >"$hba.new" && mv "$hba.new" "$hba"
    chown postgres:postgres "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
}

start_mariadb() {
  mkdir -p /run/mysqld
  chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
}

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then start_postgres; fi
if ! mariadb-admin -h 127.0.0.1 -uroot ping >/dev/null 2>&1; then start_mariadb; fi

for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p 5432 && mariadb-admin -h 127.0.0.1 -uroot ping >/dev/null 2>&1; then
    exit 0
  fi
  if $fresh_my && mariadb-admin --protocol=socket -uroot ping >/dev/null 2>&1; then
    # Debian's fresh root uses unix_socket only; allow the password-less TCP login the tests use.
    mariadb --protocol=socket -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD(''); CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
    fresh_my=false
  fi
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p 5432 || echo "setup-machine: PostgreSQL does not answer on 127.0.0.1:5432 as postgres; see README, 'The machine'" >&2
mariadb-admin -h 127.0.0.1 -uroot ping >/dev/null 2>&1 || echo "setup-machine: MariaDB does not answer on 127.0.0.1:3306 as root; see README, 'The machine'" >&2
exit 1
