# The JVM options layerd runs with, shared by the launcher (./layerd) and bench/apply-bench.sh.
# Sourced; defines the array LAYERD_JVM_OPTIONS.
#
# The serial collector: as fast here as the parallel one, with far less memory (a 50,000-file
# layer peaked at about 200 MiB against 480 MiB).
# Compile thresholds twelve times the default: a run of a few seconds spent a third of its CPU in
# the JIT compilers, and compiling only what stays hot cut the CPU of a 7-layer parallel unpack by
# about 17% against six times (3.46 to 2.80 s, 9 runs each) and by more against the default, with
# the same time for a 50,000-file layer.
LAYERD_JVM_OPTIONS=(--enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xss1m
  -XX:CompileThresholdScaling=12)
