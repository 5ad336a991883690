#!/usr/bin/env bash
# deploy/smoke.sh: build the image and try it as a school's IT admin would, with made-up secrets
# and no network: the README's Docker key steps, `check`, `ask`, then the Slack and Teams servers
# until the image's own HEALTHCHECK calls them healthy and their logs are JSON lines only.
# Needs only Docker. Exit 0 when everything passed.
#
#   deploy/smoke.sh                                 build policybot:smoke from python:3.11-slim
#   PYTHON_IMAGE=python:3.11-slim@sha256:… deploy/smoke.sh      another (e.g. pinned) base image
#   SMOKE_BUILD=0 IMAGE=policybot:latest deploy/smoke.sh        try an image built already
#
# Every container runs as compose runs it (read-only root, no capabilities, uid 10001) and with
# --network none: the servers are probed from inside their container, on loopback, and the
# Slack and Microsoft addresses point at a closed loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-policybot:smoke}
NAME=policybot-smoke-$$
QUESTION="A parent sent me a friend request on Facebook, can I accept?"
WAIT=${SMOKE_WAIT:-300}  # seconds a server may take to load (the model, on a slow machine)
work=$(mktemp -d)

say() { printf '\n== %s\n' "$*"; }
ok() { printf '  ✔ %s\n' "$*"; }
fail() {
    printf '  ✘ %s\n' "$*" >&2
    exit 1
}
indent() { sed 's/^/    /'; }

cleanup() {
    docker rm -f "$NAME-slack" "$NAME-teams" >/dev/null 2>&1 || true
    docker volume rm "$NAME-data" "$NAME-audit" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

if [ "${SMOKE_BUILD:-1}" = 1 ]; then
    say "docker build -f deploy/Dockerfile -t $IMAGE ."
    build_args=()
    if [ -n "${PYTHON_IMAGE:-}" ]; then build_args+=(--build-arg "PYTHON_IMAGE=$PYTHON_IMAGE"); fi
    # Debian's docker.io has no buildx: use its classic builder rather than fail.
    if ! docker buildx version >/dev/null 2>&1; then export DOCKER_BUILDKIT=0; fi
    docker build ${build_args[@]+"${build_args[@]}"} -f deploy/Dockerfile -t "$IMAGE" .
fi

say "the image holds no build leftovers and no secrets"
found=$(docker run --rm --network none --entrypoint sh "$IMAGE" -c '
    ls -A /app; ls -d /src /wheel /tmp/wheel /tmp/requirements 2>/dev/null
    find / -xdev \( -name "policybot.egg-info" -o -name "policybot.key" -o -name ".env" \
        -o -name "policybot.toml" -o -path "*/site-packages/build" \) -print 2>/dev/null' || true)
[ -z "$found" ] || fail "found in the image: $found"
ok "/app is empty; no build/, *.egg-info, key, .env or school config"

say "secrets, as the README's Docker steps make them (made up; nothing real)"
mkdir -p "$work/policybot"
cp deploy/policybot.example.toml "$work/policybot/policybot.toml"
(
    umask 077
    docker run --rm --network none "$IMAGE" key generate >"$work/policybot/policybot.key" 2>/dev/null
)
chmod 0400 "$work/policybot/policybot.key"
# the README's `sudo chown 10001:10001`, done by a root container so that no sudo is needed here
docker run --rm --network none --user 0 -v "$work/policybot:/k" --entrypoint chown "$IMAGE" \
    10001:10001 /k/policybot.key
cp .env.example "$work/env"
fill() { sed -i "s|^$1=.*|$1=$2|" "$work/env"; }
fill SLACK_BOT_TOKEN xoxb-0000-smoke-test-not-a-token
fill SLACK_SIGNING_SECRET smoke-test-signing-secret
fill SLACK_API_URL http://127.0.0.1:9/api/
fill MicrosoftAppId 00000000-0000-4000-8000-000000000001
fill MicrosoftAppPassword smoke-test-not-a-secret
fill POLICYBOT_TEAMS_LOGIN_URL http://127.0.0.1:9
ok "key (0400, uid 10001), policybot.toml from the example, .env from .env.example"

docker volume create "$NAME-data" >/dev/null
docker volume create "$NAME-audit" >/dev/null
# deploy/compose.yaml's settings for both services
common=(
    --network none --read-only --tmpfs /tmp --cap-drop ALL
    --security-opt no-new-privileges:true
    --env-file "$work/env"
    -e POLICYBOT_DATA_DIR=/data
    -e POLICYBOT_CONFIG=/etc/policybot/policybot.toml
    -e POLICYBOT_KEY_FILE=/etc/policybot/policybot.key
    -e POLICYBOT_AUDIT_HEAD_FILE=/audit/audit-head
    -e POLICYBOT_LOG_FORMAT=json
    -v "$NAME-data:/data" -v "$NAME-audit:/audit" -v "$work/policybot:/etc/policybot:ro"
)

say "policybot check"
checked=$(docker run --rm "${common[@]}" "$IMAGE" check 2>&1 || true)
printf '%s\n' "$checked" | indent
for line in "configuration" "data directory" "encryption key" "policies" "embedding model"; do
    grep -q "^✔ $line" <<<"$checked" || fail "check: no '✔ $line' line"
done
grep -q "^✔ policies: 1 documents in /usr/local/lib/python3.*/site-packages/policy_corpus" \
    <<<"$checked" || fail "check: the bundled policies were not found in the installed package"
ok "configuration, data directory, key, bundled policies and model pass (Slack and Microsoft are unreachable: no network)"

say "policybot ask \"$QUESTION\""
answer=$(docker run --rm "${common[@]}" "$IMAGE" ask --json "$QUESTION")
printf '%s\n' "$answer" | cut -c1-300 | indent
grep -q '"answered": true' <<<"$answer" || fail "ask: not answered"
grep -q '"clause": "6.xi"' <<<"$answer" || fail "ask: not Social Media Policy §6.xi"
ok "answered from the bundled policy: Social Media Policy §6.xi"

for platform in slack teams; do
    say "policybot serve $platform (PORT unset; the healthcheck finds the port itself)"
    container="$NAME-$platform"
    docker run -d --name "$container" "${common[@]}" -e PORT= \
        --health-interval 5s --health-start-period 1s "$IMAGE" serve "$platform" >/dev/null
    waited=0
    until [ "$(docker inspect -f '{{.State.Health.Status}}' "$container")" = healthy ]; do
        [ "$(docker inspect -f '{{.State.Running}}' "$container")" = true ] ||
            { docker logs "$container" 2>&1 | tail -20 | indent; fail "serve $platform stopped"; }
        [ "$waited" -lt "$WAIT" ] || { docker logs "$container" 2>&1 | tail -20 | indent; fail "serve $platform: not healthy after ${WAIT}s"; }
        sleep 5
        waited=$((waited + 5))
    done
    docker exec "$container" python /usr/local/lib/policybot-healthcheck.py | indent
    ok "Docker reports $container healthy (its HEALTHCHECK, after ${waited}s)"
    waited=0
    until docker logs "$container" 2>&1 | grep -q "dense retrieval ready"; do
        [ "$waited" -lt "$WAIT" ] || fail "serve $platform: the model did not load in ${WAIT}s"
        sleep 5
        waited=$((waited + 5))
    done
    docker logs "$container" 2>&1 | docker run --rm -i --network none --entrypoint python "$IMAGE" -c '
import json, sys
lines = [line for line in sys.stdin.read().splitlines() if line.strip()]
bad = []
for line in lines:
    try:
        json.loads(line)
    except ValueError:
        bad.append(line)
print(f"{len(lines)} log lines, {len(bad)} not JSON")
for line in bad[:5]:
    print("  not JSON:", line[:120])
sys.exit(1 if bad or not lines else 0)' | indent || fail "serve $platform: log lines that are not JSON"
    ok "the model loaded; every log line is one JSON object"
    docker rm -f "$container" >/dev/null
done

say "smoke test passed ($IMAGE)"
