#!/usr/bin/env bash
# Builds the addons-host container image without a container engine or a registry, as an archive that is at once an
# OCI image layout (oci-layout, index.json, blobs/) and a `docker save` archive (manifest.json):
#   docker load -i addons-host.tar    podman load -i addons-host.tar    skopeo copy oci-archive:addons-host.tar ...
#
# Usage: deploy/container/build-image.sh [--base-only] OUTPUT.tar [NAME:TAG]    (default name addons-host:latest)
#
# Two layers:
#   1. a Debian base taken from this machine's own packages (it must be Debian 12 on x86-64): the C and C++ runtime
#      libraries, OpenSSL, ICU, time zones and CA certificates that .NET needs (the list of Microsoft's runtime-deps
#      image), passwd and group with the user app (uid and gid 1654, as in Microsoft's images) and its home, /home/app
#      (mode 0700), which is the state folder: the CA, control.json and the session file;
#   2. addons-host published self-contained for linux-x64 in /app, owned by root.
# The image runs as 1654:1654, exposes 8080/tcp, declares /home/app a VOLUME, and its entry point is the host with the
# state folder's options; arguments after the image name (`docker run IMAGE --set flow_detail=0`) are appended.
# --base-only writes the first layer alone, with no user or entry point: a stand-in for Microsoft's runtime-deps image,
# for the SDK's container publishing where no registry is reachable (deploy/container/README.md).
# No root needed; the layers' owners are set in the archive. The same commit on the same machine gives the same image.
set -euo pipefail

base_only=false
if [ "${1:-}" = --base-only ]; then base_only=true; shift; fi
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 [--base-only] OUTPUT.tar [NAME:TAG]" >&2
  exit 2
fi

output="$(realpath -m "$1")"
reference="${2:-addons-host:latest}"
repository="$(cd "$(dirname "$0")/../.." && pwd)"
for tool in dotnet dpkg-query tar gzip sha256sum; do
  command -v "$tool" >/dev/null || { echo "error: $tool is needed to build the image and is not on PATH." >&2; exit 1; }
done
[ "$(dpkg --print-architecture)" = amd64 ] || { echo "error: the image is linux-x64; this machine is $(dpkg --print-architecture)." >&2; exit 1; }

readonly app_uid=1654 state=/home/app port=8080
# The entry point's options: the state folder, every address (the container's network is its own), the image's port.
entrypoint=(/app/addons-host --plugins /app/plugins.json
  --set "confdir=$state" --set "session_path=$state/session.sqlite" --set session_required=true
  --set listen_host=0.0.0.0 --set "listen_port=$port")
# Microsoft's runtime-deps image for Debian 12 has these; the base layer takes their files from this machine.
packages=(libc6 libgcc-s1 libstdc++6 libssl3 libicu72 zlib1g tzdata ca-certificates base-files netbase)

started=$SECONDS
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Every file's time in the layers: the commit's, so that a rebuild of one commit gives the same digests.
epoch="$(git -C "$repository" log -1 --format=%ct 2>/dev/null || echo 0)"
created="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"
layer_tar=(tar --sort=name --mtime="@$epoch" --numeric-owner --format=gnu)
layers="$work/layers"
mkdir -p "$layers"

if ! $base_only; then
  echo "Publishing addons-host self-contained for linux-x64..."
  dotnet publish "$repository/host/addons-host" -c Release -r linux-x64 --self-contained -o "$work/app/app" -nologo -v quiet
  # The plugins are portable; in a linux-x64 image the native libraries of other platforms are dead weight.
  find "$work/app/app/addons" -mindepth 3 -maxdepth 3 -type d -path '*/runtimes/*' ! -name linux-x64 -exec rm -rf {} +
  echo "Published in $(( SECONDS - started )) s."
fi

echo "Collecting the base layer from this machine's packages: ${packages[*]}..."
base="$work/base"
mkdir -p "$base"
list="$work/base-files"
# Debian 12 has merged /usr: /bin, /lib... are links into /usr, while dpkg still names files by their old place.
merged=" "
for top in bin sbin lib lib64; do
  if [ "$(readlink "/$top" 2>/dev/null)" = "usr/$top" ]; then merged+="$top "; fi
done
for package in "${packages[@]}"; do
  dpkg-query -L "$package" 2>/dev/null || dpkg-query -L "$package:amd64" || { echo "error: package $package is not installed here." >&2; exit 1; }
done | while IFS= read -r path; do
  # Files and links only (their folders come with them), at their real place.
  if [ -L "$path" ] || [ -f "$path" ]; then
    top="${path#/}" && top="${top%%/*}"
    if [[ "$merged" == *" $top "* ]]; then path="/usr$path"; fi
    echo "$path"
  fi
done | grep -Ev '^/[^/]+$' | grep -Ev '^/usr/share/(doc|man|info|lintian|locale|bug)/|/gconv/|^/usr/(s?bin|libexec)/|^/etc/(init\.d|cron|logrotate|update-motd)' | sort -u > "$list"
tar -C / --no-recursion -cf - -T <(sed 's|^/||' "$list") | tar -C "$base" -xf -
# The trust store OpenSSL (and so .NET) reads: Mozilla's list alone, as ca-certificates ships it, not whatever this
# machine added to its own /etc/ssl/certs.
mkdir -p "$base/etc/ssl/certs" "$base/usr/lib/ssl"
cat /usr/share/ca-certificates/mozilla/*.crt > "$base/etc/ssl/certs/ca-certificates.crt"
ln -s /etc/ssl/certs "$base/usr/lib/ssl/certs" && ln -s /etc/ssl/certs/ca-certificates.crt "$base/usr/lib/ssl/cert.pem"
ln -s usr/bin "$base/bin" && ln -s usr/lib "$base/lib" && ln -s usr/lib64 "$base/lib64" && ln -s usr/sbin "$base/sbin"
mkdir -p "$base/tmp" "$base/proc" "$base/dev" "$base/sys" "$base/etc" "$base/run" "$base/home/app"
chmod 1777 "$base/tmp"
chmod 0700 "$base/home/app"
cat > "$base/etc/passwd" <<EOF
root:x:0:0:root:/root:/usr/sbin/nologin
app:x:$app_uid:$app_uid::/home/app:/usr/sbin/nologin
EOF
cat > "$base/etc/group" <<EOF
root:x:0:
app:x:$app_uid:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$base/etc/nsswitch.conf"
# Container runtimes put their own /etc/hosts (and resolv.conf) over these; without one, localhost would not resolve.
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$base/etc/hosts"

echo "Writing the layers ($(( SECONDS - started )) s)..."
# Everything is root's but the app user's home.
"${layer_tar[@]}" --owner=0 --group=0 -C "$base" -cf "$layers/1.tar" --exclude=./home/app .
"${layer_tar[@]}" --owner="$app_uid" --group="$app_uid" -C "$base" -rf "$layers/1.tar" ./home/app
if ! $base_only; then
  "${layer_tar[@]}" --owner=0 --group=0 -C "$work/app" -cf "$layers/2.tar" ./app
fi

layout="$work/layout"
blobs="$layout/blobs/sha256"
mkdir -p "$blobs"
digest() { sha256sum "$1" | cut -d' ' -f1; }
# Stores a file as a blob; prints its digest.
store() { local d; d="$(digest "$1")"; mv "$1" "$blobs/$d"; echo "$d"; }
json_array() { local first=1; printf '['; for item in "$@"; do [ $first = 1 ] || printf ','; first=0; printf '"%s"' "$item"; done; printf ']'; }

diff_ids=() layer_descriptors=() layer_paths=()
for layer in "$layers"/*.tar; do
  diff_ids+=("sha256:$(digest "$layer")")
  gzip -n -6 "$layer"
  size="$(stat -c %s "$layer.gz")"
  d="$(store "$layer.gz")"
  layer_descriptors+=("{ \"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\", \"digest\": \"sha256:$d\", \"size\": $size }")
  layer_paths+=("blobs/sha256/$d")
done
join() { local IFS=,; echo "$*"; }

history='{ "created": "'"$created"'", "created_by": "build-image.sh: Debian libraries of this machine ('"${packages[*]}"')" }'
if $base_only; then
  run_config='"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "APP_UID='"$app_uid"'", "DOTNET_RUNNING_IN_CONTAINER=true"]'
else
  history+=', { "created": "'"$created"'", "created_by": "build-image.sh: dotnet publish host/addons-host -r linux-x64 --self-contained" }'
  run_config=$(cat <<EOF
    "User": "$app_uid:$app_uid",
    "ExposedPorts": { "$port/tcp": {} },
    "Env": [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "HOME=/home/app",
      "APP_UID=$app_uid",
      "DOTNET_RUNNING_IN_CONTAINER=true"
    ],
    "Entrypoint": $(json_array "${entrypoint[@]}"),
    "WorkingDir": "/app",
    "Volumes": { "$state": {} },
    "StopSignal": "SIGTERM",
    "Labels": {
      "org.opencontainers.image.title": "addons-host",
      "org.opencontainers.image.description": "addons-host intercepting proxy (mitmproxy's addon system for .NET)",
      "org.opencontainers.image.revision": "$(git -C "$repository" rev-parse HEAD 2>/dev/null || echo unknown)"
    }
EOF
)
fi

cat > "$work/config.json" <<EOF
{
  "created": "$created",
  "architecture": "amd64",
  "os": "linux",
  "config": {
$run_config
  },
  "rootfs": { "type": "layers", "diff_ids": $(json_array "${diff_ids[@]}") },
  "history": [ $history ]
}
EOF
config_size="$(stat -c %s "$work/config.json")"
config_digest="$(store "$work/config.json")"

cat > "$work/manifest.json" <<EOF
{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:$config_digest", "size": $config_size },
  "layers": [ $(join "${layer_descriptors[@]}") ]
}
EOF
manifest_size="$(stat -c %s "$work/manifest.json")"
manifest_digest="$(store "$work/manifest.json")"

printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
cat > "$layout/index.json" <<EOF
{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    { "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:$manifest_digest", "size": $manifest_size,
      "annotations": { "org.opencontainers.image.ref.name": "${reference##*:}", "io.containerd.image.name": "$reference" } }
  ]
}
EOF
# What `docker load` reads (docker save writes both since Docker 25).
cat > "$layout/manifest.json" <<EOF
[ { "Config": "blobs/sha256/$config_digest", "RepoTags": ["$reference"], "Layers": $(json_array "${layer_paths[@]}") } ]
EOF

mkdir -p "$(dirname "$output")"
tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --format=gnu -C "$layout" -cf "$output" oci-layout index.json manifest.json blobs
echo "Wrote $output ($reference, manifest sha256:$manifest_digest, $(( $(stat -c %s "$output") / 1048576 )) MiB) in $(( SECONDS - started )) s."
