#!/bin/sh
# Install policywatch as a systemd service, exactly as docs/operations.md describes. As root,
# from a checkout:
#
#   sudo contrib/install.sh [CONFIG]   # CONFIG: your policywatch.toml (else contrib/policywatch.toml)
#
# It creates the venv /opt/policywatch/venv and installs the package into it (PACKAGE, default:
# this checkout; PYTHON, default: python3), copies the docs the unit points to, writes
# /etc/policywatch (0755) with policywatch.toml (0644, read by the service's throw-away user)
# and an empty env (0600, the secrets: systemd reads it before dropping privileges), installs
# the unit and reloads systemd. An existing config or env file is kept (its mode is fixed).
# DESTDIR=/some/folder stages the files there instead (no venv, no systemctl): the tests do.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
dest=${DESTDIR:-}

install -d -m 0755 "$dest/opt/policywatch" "$dest/opt/policywatch/docs" \
    "$dest/etc/policywatch" "$dest/etc/systemd/system"
if [ -z "$dest" ]; then
    [ -x /opt/policywatch/venv/bin/python ] || "${PYTHON:-python3}" -m venv /opt/policywatch/venv
    /opt/policywatch/venv/bin/pip install --quiet --upgrade "${PACKAGE:-$here}"
fi
install -m 0644 "$here/docs/operations.md" "$here/docs/security.md" "$dest/opt/policywatch/docs/"

config="$dest/etc/policywatch/policywatch.toml"
[ -e "$config" ] || install -m 0644 "${1:-$here/contrib/policywatch.toml}" "$config"
chmod 0644 "$config"
secrets="$dest/etc/policywatch/env"
[ -e "$secrets" ] || install -m 0600 /dev/null "$secrets"
chmod 0600 "$secrets"
install -m 0644 "$here/contrib/policywatch.service" "$dest/etc/systemd/system/policywatch.service"

if [ -z "$dest" ]; then
    systemctl daemon-reload
    echo "Installed. Put the secrets into /etc/policywatch/env (see docs/operations.md), then:"
    echo "  systemctl enable --now policywatch && systemctl status policywatch"
fi
