#!/usr/bin/env bash
# Start the test cluster under DIR (DESIGN §9): two OpenSSH servers on free loopback ports, each with its
# own config and host key, and a throw-away test user.
#   main  : password and public key; a second user with the same key has tcsh as login shell (sh where
#           tcsh is not installed; env TCSH_SHELL says which), for the tests that scripts do not depend on it
#   oath  : keyboard-interactive only, through PAM: the user's password, then a TOTP code (pam_oath)
# Writes DIR/env (one KEY=value per line, value raw to the end of the line). Stop with down.sh DIR.
# Nothing outside DIR is touched except the test users and /etc/pam.d/<oath service>, both named after
# DIR so that fixtures of several build trees can run side by side; down.sh removes both.
# Without root on a developer machine the fixture is marked skipped (env: SKIP=reason); with CI=true,
# or as root with a tool missing, it fails instead.
set -euo pipefail

dir=${1:?usage: up.sh DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# A stale run of this DIR (killed test run) is cleaned first, so up.sh is idempotent.
"$here/down.sh" "$dir" >/dev/null 2>&1 || true
# Only what this script creates is removed (DIR may be any directory the caller names).
rm -rf "$dir/home" "$dir/home_tcsh" "$dir/client" "$dir/bin" "$dir"/ssh_host_ed25519_key* \
  "$dir"/wrong_host_key* "$dir"/sshd_*.conf "$dir"/sshd_*.log "$dir/users.oath" "$dir/authorized_keys"

source "$here/lib.sh"
fixture_env="$dir/env"
fixture_name="the test cluster"

[ "$(id -u)" -eq 0 ] || skip_or_fail "the test cluster needs root (a test user, sshd, PAM)"
for tool in /usr/sbin/sshd ssh-keygen oathtool useradd userdel chpasswd; do
  command -v "$tool" >/dev/null || skip_or_fail "missing $tool (apt-get install openssh-server oathtool)"
done
pam_oath=$(find /lib /usr/lib -name pam_oath.so -print -quit 2>/dev/null || true)
[ -n "$pam_oath" ] || skip_or_fail "missing pam_oath.so (apt-get install libpam-oath)"

id=$(printf '%s' "$dir" | sha256sum | cut -c1-8)
user="sluice_t$id"
tcsh_user="sluice_c$id"
service="sluice-test-oath-$id"
password="pw $id 'quoted' \$HOME"
totp_secret=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
passphrase="passphrase $id"

umask 077
mkdir -p "$dir/home" "$dir/client" "$dir/bin"
ssh-keygen -q -t ed25519 -N '' -C "sluice test host" -f "$dir/ssh_host_ed25519_key"
ssh-keygen -q -t ed25519 -N '' -C "not the host" -f "$dir/wrong_host_key"
ssh-keygen -q -t ed25519 -N '' -C "sluice test user" -f "$dir/client/id_ed25519"
ssh-keygen -q -t ed25519 -N "$passphrase" -C "sluice test user, encrypted" -f "$dir/client/id_encrypted"
cat "$dir/client/id_ed25519.pub" "$dir/client/id_encrypted.pub" >"$dir/authorized_keys"
chmod 644 "$dir/authorized_keys"

useradd --no-create-home --home-dir "$dir/home" --shell /bin/bash --comment "sluice test user" "$user"
echo "$user" >"$dir/user"
chown "$user" "$dir/home"
chmod 755 "$dir" "$dir/home"
printf '%s:%s\n' "$user" "$password" | chpasswd

# Clusters where the login shell is tcsh exist; scripts must not notice (DESIGN §6).
tcsh_shell=$(command -v tcsh || echo /bin/sh)
mkdir -p "$dir/home_tcsh"
useradd --no-create-home --home-dir "$dir/home_tcsh" --shell "$tcsh_shell" \
  --comment "sluice test user, tcsh" "$tcsh_user"
echo "$tcsh_user" >"$dir/user_tcsh"
# Key login only. Not "!" (useradd's default): without PAM, sshd refuses such a locked account.
usermod -p '*' "$tcsh_user"
chown "$tcsh_user" "$dir/home_tcsh"
chmod 755 "$dir/home_tcsh"

# pam_oath rewrites this file (replay protection), so it lives in DIR and belongs to root.
printf 'HOTP/T30/6 %s - %s\n' "$user" "$totp_secret" >"$dir/users.oath"
cat >"/etc/pam.d/$service" <<EOF
# sluice test fixture $dir (removed by tests/cluster/down.sh)
auth     required  pam_unix.so
auth     required  $pam_oath usersfile=$dir/users.oath window=4
# Like a push-based second factor, the server takes its time before it answers (clients must wait).
auth     optional  pam_exec.so quiet /bin/sleep 5
account  required  pam_permit.so
session  required  pam_permit.so
EOF
echo "$service" >"$dir/pam_service"
# OpenSSH names its PAM service after argv[0]; a link with the service's name selects our PAM file.
ln -sf /usr/sbin/sshd "$dir/bin/$service"

# Privilege separation needs this directory; the Debian package creates it only when its service starts.
mkdir -p /run/sshd && chmod 755 /run/sshd

common_config() {
  cat <<EOF
ListenAddress 127.0.0.1:$1
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/$2.pid
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
AllowUsers $user $tcsh_user
PermitRootLogin no
MaxAuthTries 10
LogLevel VERBOSE
Subsystem sftp internal-sftp
EOF
}

# Start sshd on a random loopback port; when the port is taken sshd cannot bind and exits, and another
# port is tried (no port probing tool needed, and no race between probe and bind).
start_sshd() { # name binary extra-config
  local name=$1 binary=$2 extra=$3 port
  for _ in $(seq 1 30); do
    port=$((20000 + RANDOM % 40000))
    { common_config "$port" "$name"; printf '%s\n' "$extra"; } >"$dir/sshd_$name.conf"
    if "$binary" -f "$dir/sshd_$name.conf" -E "$dir/sshd_$name.log"; then
      for _ in $(seq 1 50); do
        [ -s "$dir/$name.pid" ] && { echo "$port"; return 0; }
        sleep 0.1
      done
    fi
  done
  echo "up.sh: could not start sshd ($name); see $dir/sshd_$name.log" >&2
  return 1
}

port=$(start_sshd main /usr/sbin/sshd "UsePAM no
PasswordAuthentication yes
PubkeyAuthentication yes
KbdInteractiveAuthentication no")
oath_port=$(start_sshd oath "$dir/bin/$service" "UsePAM yes
PasswordAuthentication no
PubkeyAuthentication no
KbdInteractiveAuthentication yes
AuthenticationMethods keyboard-interactive")

host_sha256=$(ssh-keygen -l -E sha256 -f "$dir/ssh_host_ed25519_key.pub" | cut -d' ' -f2)
cat >"$dir/env" <<EOF
SSH_HOST=127.0.0.1
SSH_PORT=$port
SSH_OATH_PORT=$oath_port
SSH_USER=$user
SSH_PASSWORD=$password
SSH_KEY=$dir/client/id_ed25519
SSH_KEY_ENCRYPTED=$dir/client/id_encrypted
SSH_KEY_PASSPHRASE=$passphrase
SSH_HOST_KEY_PUB=$dir/ssh_host_ed25519_key.pub
SSH_HOST_KEY_SHA256=$host_sha256
SSH_WRONG_HOST_KEY_PUB=$dir/wrong_host_key.pub
SSH_PID_FILE=$dir/main.pid
TCSH_USER=$tcsh_user
TCSH_SHELL=$tcsh_shell
TOTP_SECRET=$totp_secret
EOF
chmod 644 "$dir/env"
echo "up.sh: sshd on 127.0.0.1:$port (password, key) and :$oath_port (password + TOTP), users $user, $tcsh_user ($tcsh_shell)"
