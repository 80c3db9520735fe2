#!/bin/sh
# Rebuilds dashboard/vendor/dingtalk-auth.js: dingtalk-jsapi's requestAuthCode (MIT) bundled for the browser, so the
# dashboard's 免登 page is served from our own server (no CDN). Run after upgrading dingtalk-jsapi; commit the result.
set -e
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
printf "window.spbRequestAuthCode = require('dingtalk-jsapi/api/runtime/permission/requestAuthCode').default;\n" > "$tmp/entry.js"
v=$(node -p "require('dingtalk-jsapi/package.json').version")
NODE_PATH="$PWD/node_modules" npx esbuild "$tmp/entry.js" --bundle --minify --format=iife --platform=browser --target=es2017 \
  --banner:js="/*! dingtalk-jsapi ${v} requestAuthCode (MIT), bundled by scripts/build-dingtalk-auth.sh */" \
  --outfile=dashboard/vendor/dingtalk-auth.js
rm -rf "$tmp"
