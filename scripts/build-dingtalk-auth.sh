#!/bin/sh
# Rebuilds dashboard/vendor/dingtalk-auth.js: dingtalk-jsapi's 免登 calls (MIT) bundled for the browser, so the
# dashboard's 免登 page is served from our own server (no CDN). The package ships CommonJS modules only (no browser
# build), and its API modules work only with the platform bridges registered (dingtalk-jsapi/platform: pc, android,
# ios, harmony). Exposes window.spbDingtalk = { requestAuthCode({corpId, clientId}) (dd.requestAuthCode, client
# ≥ 7.0.45), requestAuthCodeLegacy({corpId}) (dd.runtime.permission.requestAuthCode) }.
# Run after upgrading dingtalk-jsapi; commit the result.
set -e
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
cat > "$tmp/entry.js" <<'JS'
require('dingtalk-jsapi/platform');
window.spbDingtalk = {
  requestAuthCode: require('dingtalk-jsapi/api/union/requestAuthCode').default,
  requestAuthCodeLegacy: require('dingtalk-jsapi/api/runtime/permission/requestAuthCode').default,
};
JS
v=$(node -p "require('dingtalk-jsapi/package.json').version")
NODE_PATH="$PWD/node_modules" npx esbuild "$tmp/entry.js" --bundle --minify --format=iife --platform=browser --target=es2017 \
  --banner:js="/*! dingtalk-jsapi ${v} requestAuthCode with its platform bridges (MIT), bundled by scripts/build-dingtalk-auth.sh */" \
  --outfile=dashboard/vendor/dingtalk-auth.js
rm -rf "$tmp"
