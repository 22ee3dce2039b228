import CNN
import Foundation
import Runtime

// Engine micro-benchmarks: convolution GFLOP/s against a bare sgemm of the same
// M×K×N in the same run, depthwise throughput against memory bandwidth, and the
// peak memory of a forward pass; decoding and resizing images against Pillow and against
// the default model's forward pass; whole-network forward passes and finetune's training
// step (set beside TensorFlow-Keras and ONNX Runtime by benchmarks/bench_peers.sh).
// Ratios, not absolute times, are what to compare.

StartupEnvironment.restartIfNeeded()
FloatingPointConfiguration.flushDenormals()
ConvolutionBackendConfiguration.apply()
let arguments = BenchmarkArguments(CommandLine.arguments.dropFirst())
ThreadConfiguration.apply(requested: arguments.threads)
if !arguments.sections.contains("--no-heap") { MemoryConfiguration.reuseLargeAllocations() }
print("# tl-bench — \(ThreadConfiguration.summary); \(MemoryConfiguration.summary)")
print("# batch \(arguments.batch), median of \(arguments.repetitions) runs; \(cpuModel())")
print("")

if arguments.sections.contains("conv") { runConvolutionBenchmark(arguments) }
if arguments.sections.contains("depthwise") { runDepthwiseBenchmark(arguments) }
if arguments.sections.contains("memory") { runMemoryBenchmark(arguments) }
if arguments.sections.contains("forward") { runForwardBenchmark(arguments) }
if arguments.sections.contains("train-step") { runTrainStepBenchmark(arguments) }
if arguments.sections.contains("decode") { runDecodeBenchmark(arguments) }
