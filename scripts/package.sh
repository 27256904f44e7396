#!/usr/bin/env bash
# scripts/package.sh VERSION BINARY OUTDIR (make release): from one static linux/amd64 binary,
#   OUTDIR/tenantry_VERSION_linux_amd64.tar.gz  the binary, LICENSE, README.md, CHANGELOG.md, the
#                                               systemd unit and the example environment file;
#   OUTDIR/tenantry_VERSION_amd64.deb           /usr/bin/tenantry, /lib/systemd/system/tenantry.service,
#                                               /etc/tenantry/tenantry.env (a conffile), and the
#                                               maintainer scripts of packaging/deb (the tenantry user).
# Needs no root (dpkg-deb --root-owner-group); file times are the commit's (SOURCE_DATE_EPOCH).
set -euo pipefail
cd "$(dirname "$0")/.."
version=$1 bin=$2 out=$3
arch=amd64
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$out"

name=tenantry_${version}_linux_${arch}
install -D -m 0755 "$bin" "$stage/$name/tenantry"
install -m 0644 LICENSE README.md CHANGELOG.md packaging/tenantry.service packaging/tenantry.env "$stage/$name/"
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
	-cf - "$name" | gzip -6 -n >"$out/$name.tar.gz"

root=$stage/deb
install -D -m 0755 "$bin" "$root/usr/bin/tenantry"
install -D -m 0644 packaging/tenantry.service "$root/lib/systemd/system/tenantry.service"
install -D -m 0640 packaging/tenantry.env "$root/etc/tenantry/tenantry.env"
install -D -m 0644 README.md "$root/usr/share/doc/tenantry/README.md"
install -D -m 0644 LICENSE "$root/usr/share/doc/tenantry/copyright"
install -d -m 0755 "$root/DEBIAN"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$root/DEBIAN/"
install -m 0644 packaging/deb/conffiles "$root/DEBIAN/"
cat >"$root/DEBIAN/control" <<CONTROL
Package: tenantry
Version: $version
Architecture: $arch
Maintainer: Tenantry maintainers <security@tenantry.dev>
Section: net
Priority: optional
Depends: adduser
Suggests: postgresql
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Description: multi-tenant SaaS backend with tenant isolation you can prove
 Tenantry hosts several products (parking operations, guided troubleshooting
 flows) for many tenants on one PostgreSQL database, with row-level security,
 three database roles and the proofs of isolation. The package installs the
 static binary, a hardened systemd unit running it as the tenantry system user
 and its configuration in /etc/tenantry/tenantry.env.
CONTROL
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
dpkg-deb --root-owner-group -Zgzip -z6 --build "$root" "$out/tenantry_${version}_${arch}.deb" >/dev/null
echo "$out/$name.tar.gz"
echo "$out/tenantry_${version}_${arch}.deb"
