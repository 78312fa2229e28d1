#!/usr/bin/env bash
# The message-broker tests (packages/bullmq, /amqp, /nats, test/messages.slow.test.ts) start real
# Redis, RabbitMQ and NATS servers on loopback. Install them once; do nothing when present.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v rabbitmq-server >/dev/null 2>&1 || missing+=(rabbitmq-server)
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
if [ "${#missing[@]}" -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
# Debian's packages start system services on install; the tests start their own servers.
for service in redis-server rabbitmq-server; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
    systemctl stop "$service" || true
  fi
done
