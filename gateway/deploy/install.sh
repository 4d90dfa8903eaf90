#!/usr/bin/env bash
# Installs the ciralab gateway as a systemd service on Debian: the ciralab system user,
# /etc/ciralab (configuration, certificates), /var/lib/ciralab, /var/log/ciralab, the unit, and
# with --stunnel the vendor's layout (stunnel4 on the public port, the gateway's plain APF
# listener on loopback). Run it as root from a checkout where `npm ci` has run. It never
# overwrites a configuration or certificate that exists, so running it again is safe.
#
#   gateway/deploy/install.sh --fqdn NAME [--ip ADDRESS]... [--stunnel] [--device-user NAME]
#
#   --fqdn NAME         the gateway name devices are provisioned to call (certificate CN and SAN)
#   --ip ADDRESS        also put this address in the certificate (repeatable)
#   --stunnel           stunnel terminates TLS on 443; the gateway listens in the clear on loopback
#   --device-user NAME  the MPS username devices log in with; the password comes from
#                       CIRALAB_DEVICE_PASSWORD or is asked for, and only its scrypt hash is stored
set -euo pipefail

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }

fqdn="" stunnel=0 device_user=""
ips=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --fqdn) fqdn="${2:-}"; shift 2 || die "--fqdn needs a name" ;;
    --ip) ips+=("${2:-}"); shift 2 || die "--ip needs an address" ;;
    --stunnel) stunnel=1; shift ;;
    --device-user) device_user="${2:-}"; shift 2 || die "--device-user needs a name" ;;
    -h|--help) usage 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

[[ "$(id -u)" -eq 0 ]] || die "run it as root: it creates a user and writes /etc"
[[ -n "${fqdn}" ]] || die "--fqdn is required: the name devices are provisioned to call"
home="$(cd "$(dirname "$0")/../.." && pwd)"
[[ -f "${home}/dist/cli/main.js" ]] || die "${home}/dist is missing: run 'npm ci' in ${home} first"
node="$(command -v node)" || die "node is not installed (Node.js 20 or newer is needed)"
major="$("${node}" -p 'process.versions.node.split(".")[0]')"
(( major >= 20 )) || die "Node.js ${major} is too old: 20 or newer is needed"
ciralab() { "${node}" "${home}/bin/ciralab.js" "$@"; }

# 1. The service account: no login, no home of its own beyond the state folder.
if ! id ciralab >/dev/null 2>&1; then
  useradd --system --user-group --home-dir /var/lib/ciralab --no-create-home --shell /usr/sbin/nologin ciralab
  say "created the system user ciralab"
fi

# 2. Folders: configuration is root's (the gateway reads it through its group), state and logs the gateway's.
install -d -m 0750 -o root -g ciralab /etc/ciralab /etc/ciralab/certs
install -d -m 0750 -o ciralab -g ciralab /var/lib/ciralab /var/log/ciralab

# 3. Certificates, named as in the vendor's guide. The root CA key stays root's (0600); the
# gateway reads only its server key, through its group.
certs=/etc/ciralab/certs
if [[ ! -f "${certs}/ServerCertificate.pem" ]]; then
  args=(certs init --fqdn "${fqdn}" --out "${certs}")
  for ip in "${ips[@]}"; do args+=(--ip "${ip}"); done
  ciralab "${args[@]}"
fi
chgrp ciralab "${certs}/ServerCertificateKey.pem"
chmod 0640 "${certs}/ServerCertificateKey.pem"
ciralab certs check "${certs}" --fqdn "${fqdn}" || die "the certificates in ${certs} do not fit AMT (see above)"

# 4. The configuration, from the example of the chosen layout.
config=/etc/ciralab/gateway.json
example="${home}/gateway/deploy/gateway.example.json"
(( stunnel )) && example="${home}/gateway/deploy/gateway-stunnel.example.json"
if [[ ! -f "${config}" ]]; then
  hash=""
  if [[ -n "${device_user}" ]]; then
    password="${CIRALAB_DEVICE_PASSWORD:-}"
    if [[ -z "${password}" ]]; then read -r -s -p "MPS password for ${device_user}: " password; echo; fi
    [[ -n "${password}" ]] || die "the device password is empty"
    # Through the environment, never the command line (visible to every user in /proc).
    hash="$(PASSWORD="${password}" "${node}" --input-type=module -e "
      const { hashPassword } = await import('${home}/dist/gateway/device/credentials.js')
      console.log(await hashPassword(process.env.PASSWORD))")"
  fi
  FQDN="${fqdn}" DEVICE_USER="${device_user}" HASH="${hash}" "${node}" -e '
    const fs = require("node:fs")
    const config = JSON.parse(fs.readFileSync(process.argv[1], "utf8"))
    if (config.tls) config.tls.fqdn = process.env.FQDN
    if (process.env.HASH) config.devices.credentials = [{ username: process.env.DEVICE_USER, passwordHash: process.env.HASH }]
    fs.writeFileSync(process.argv[2], JSON.stringify(config, null, 2) + "\n", { mode: 0o640 })
  ' "${example}" "${config}"
  chown root:ciralab "${config}"
  say "wrote ${config} from $(basename "${example}")"
fi

# 5. `ciralab` on the PATH, and the unit, pointing at this checkout and this node.
ln -sf "${home}/bin/ciralab.js" /usr/local/bin/ciralab
sed -e "s#/opt/ciralab#${home}#g" -e "s#/usr/bin/node#${node}#g" "${home}/gateway/deploy/ciralab-gateway.service" > /etc/systemd/system/ciralab-gateway.service
chmod 0644 /etc/systemd/system/ciralab-gateway.service

# 6. The vendor's layout: stunnel4 in front.
if (( stunnel )); then
  command -v stunnel4 >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stunnel4
  [[ -f /etc/stunnel/ciralab.conf ]] || install -m 0644 "${home}/gateway/deploy/stunnel.conf" /etc/stunnel/ciralab.conf
fi

# 7. Start, or say how.
services="ciralab-gateway"
(( stunnel )) && services="${services} stunnel@ciralab"
if grep -q '"REPLACE' "${config}"; then
  say "set the device credentials in ${config} (passwordHash from: ciralab gateway --hash-password), then:"
  say "  systemctl daemon-reload && systemctl enable --now ${services}"
elif [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload
  # shellcheck disable=SC2086
  systemctl enable --now ${services}
  say "started: ${services} (journalctl -u ciralab-gateway -f)"
else
  say "systemd is not running here; start by hand what the units start:"
  (( stunnel )) && say "  stunnel4 /etc/stunnel/ciralab.conf &"
  say "  cd /var/lib/ciralab && setpriv --reuid=ciralab --regid=ciralab --init-groups --inh-caps=+net_bind_service \\"
  say "    --ambient-caps=+net_bind_service --no-new-privs -- ${node} ${home}/bin/ciralab.js gateway --config ${config}"
fi
say "provision devices with the root ${certs}/TrustedRootCertificate.pem and the MPS address ${fqdn}:443"
