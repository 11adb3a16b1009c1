#!/bin/sh
# Generates a throw-away PKI for TLS tests into directory $1:
#   ca.pem            test root CA (what TEE_LAUNCHER_EXTRA_CA_FILE points at)
#   server.pem/.key   DNS:localhost, issued by an intermediate; server.pem
#                     holds leaf + intermediate (a full chain to validate)
#   rsa.pem/.key      DNS:localhost, RSA-2048, issued by the root directly
#   expired.pem/.key  DNS:localhost, valid 2020-01-01 .. 2021-01-01
#   wrongname.pem/.key DNS:wrong.example
#   untrusted.pem/.key DNS:localhost, issued by another root (not trusted)
#   untrusted-ca.pem  that other root
#   p384.pem/.key     DNS:localhost, P-384 key, signed with ECDSA-SHA384 by
#                     a P-384 intermediate; p384.pem holds leaf + intermediate
# Everything valid is valid from now for 30 days.  Needs openssl(1).
set -eu
d=${1:?usage: testca.sh DIR}
mkdir -p "$d"
cd "$d"
o() { openssl "$@" 2>/dev/null; }

eckey() { o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

cat > ext.cnf <<'CNF'
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[inter]
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost
authorityKeyIdentifier=keyid
[wrong]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:wrong.example
authorityKeyIdentifier=keyid
CNF

root() { # name, subject
	eckey "$1.key"
	o req -new -x509 -key "$1.key" -subj "$2" -days 30 -sha256 \
	    -extensions ca -config ext.cnf -out "$1.pem"
}
# issue name issuer ext [digest]  (a key made beforehand as $1.key is kept)
issue() {
	[ -f "$1.key" ] || eckey "$1.key"
	o req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr"
	o x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
	    -days 30 "-${4:-sha256}" -extfile ext.cnf -extensions "$3" -out "$1.crt"
}

root ca "/CN=tee-launcher test root"
root untrusted-ca "/CN=untrusted test root"
issue inter ca inter
mv inter.crt inter.pem
issue leaf inter leaf
cat leaf.crt inter.pem > server.pem
mv leaf.key server.key
o genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key
issue rsa ca leaf
mv rsa.crt rsa.pem
issue wrongname ca wrong
mv wrongname.crt wrongname.pem
issue untrusted untrusted-ca leaf
mv untrusted.crt untrusted.pem
o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out inter384.key
issue inter384 ca inter
mv inter384.crt inter384.pem
o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.key
issue p384 inter384 leaf sha384
cat p384.crt inter384.pem > p384.pem

# Expired: `openssl ca` is the one 3.0 command that takes explicit dates.
mkdir -p caDB
: > caDB/index.txt
echo 1000 > caDB/serial
cat > ca.cnf <<'CNF'
[ca]
default_ca=test
[test]
database=caDB/index.txt
serial=caDB/serial
new_certs_dir=caDB
default_md=sha256
policy=any
unique_subject=no
[any]
commonName=supplied
CNF
eckey expired.key
o req -new -key expired.key -subj "/CN=expired" -out expired.csr
o ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr \
    -startdate 20200101000000Z -enddate 20210101000000Z \
    -extfile ext.cnf -extensions leaf -notext -out expired.pem
rm -f ./*.csr ./*.crt ./*.srl
test -s expired.pem && test -s server.pem && test -s untrusted.pem && test -s p384.pem
