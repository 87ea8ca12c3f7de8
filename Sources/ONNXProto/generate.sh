#!/usr/bin/env bash
# Regenerates onnx.pb.swift from onnx.proto (the file of the onnx 1.23.2 wheel on PyPI,
# onnx/onnx.proto, Apache-2.0, unchanged). Needs protoc (Debian's protobuf-compiler,
# 3.21.12 made the committed file) and protoc-gen-swift of swift-protobuf 1.39.0:
#   git clone --branch 1.39.0 https://github.com/apple/swift-protobuf
#   swift build -c release --product protoc-gen-swift --package-path swift-protobuf
#   PROTOC_GEN_SWIFT=swift-protobuf/.build/release/protoc-gen-swift Sources/ONNXProto/generate.sh
# The output is committed: building the plugin at every build takes minutes.
set -euo pipefail
cd "$(dirname "$0")"
protoc --plugin=protoc-gen-swift="${PROTOC_GEN_SWIFT:?path of protoc-gen-swift}" \
  --swift_opt=Visibility=Public --swift_out=. onnx.proto
