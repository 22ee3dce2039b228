import CNN
import Foundation
import Imaging
import TransferLearning

/// The input path of feature extraction, file to network input: decode, 224×224 centre crop
/// with the default antialiased bilinear resize, preprocessing, stacking into batches. Measured
/// through `BatchLoader` (as `tl extract-features` uses it, one worker per thread) and one file
/// at a time on the calling thread, over a folder of JPEGs and PNGs
/// (benchmarks/make_decode_images.py); benchmarks/decode_pillow.py runs Pillow over the same
/// folder. The loader's images/s is then set against the default model's forward pass at the
/// same batch size, and both run together as extraction does, timing how long the engine
/// waits for its next batch.
func runDecodeBenchmark(_ arguments: BenchmarkArguments) {
    guard let folder = arguments.images else {
        print("## decode: skipped (needs --images DIR, e.g. from benchmarks/make_decode_images.py)")
        print("")
        return
    }
    let urls: [URL]
    do {
        urls = try ImageFileList(paths: [folder]).urls
    } catch {
        print("## decode: cannot list \(folder): \(error.localizedDescription)")
        return
    }
    guard !urls.isEmpty else {
        print("## decode: no JPEG or PNG files in \(folder)")
        return
    }
    let jpegs = urls.filter { ["jpg", "jpeg"].contains($0.pathExtension.lowercased()) }
    let pngs = urls.filter { $0.pathExtension.lowercased() == "png" }
    let workers = arguments.threads ?? ProcessInfo.processInfo.activeProcessorCount
    let spec = InputSpec(size: 224)
    let pipeline = ImagePipeline(spec: spec)
    let repetitions = arguments.repetitions

    print("## Decode + resize + preprocess to \(spec.summary)")
    print("\(urls.count) files in \(folder) (\(jpegs.count) JPEG, \(pngs.count) PNG); images/s, median of \(repetitions) runs after a warm-up")
    print("| path | all | JPEG | PNG |")
    print("|---|---:|---:|---:|")

    func rate(_ count: Int, _ seconds: Double) -> String {
        count > 0 && seconds > 0 ? String(format: "%.1f", Double(count) / seconds) : "-"
    }

    // One file at a time on this thread, the steps of `ImagePipeline.sample(contentsOf:)` timed
    // apart: wall-clock per file summed by format, and this thread's CPU time per step (which
    // other processes on the machine hardly change).
    struct SingleRun { var seconds = [0.0, 0.0]; var cpu = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]] }
    var single = [SingleRun]()
    for run in 0...max(1, repetitions) {
        var result = SingleRun()
        for url in urls {
            let format = url.pathExtension.lowercased() == "png" ? 1 : 0
            let start = DispatchTime.now().uptimeNanoseconds
            let c0 = threadCPUSeconds()
            let image = try! pipeline.decoder.decode(contentsOf: url)
            let c1 = threadCPUSeconds()
            let input = pipeline.inputImage(from: image)
            let c2 = threadCPUSeconds()
            let sample = pipeline.sample(from: input)
            let c3 = threadCPUSeconds()
            result.seconds[format] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            precondition(sample.shape == [224, 224, 3])
            result.cpu[format][0] += c1 - c0
            result.cpu[format][1] += c2 - c1
            result.cpu[format][2] += c3 - c2
        }
        if run > 0 { single.append(result) }  // run 0 warms the page cache
    }
    let singleAll = median(single.map { $0.seconds[0] + $0.seconds[1] })
    let singleJPEG = median(single.map { $0.seconds[0] }), singlePNG = median(single.map { $0.seconds[1] })
    print("| tl ImagePipeline.sample, 1 thread | \(rate(urls.count, singleAll)) | \(rate(jpegs.count, singleJPEG)) | \(rate(pngs.count, singlePNG)) |")

    // Through the loader, as extraction reads its inputs. The process's CPU time over the
    // runs shows how many cores the loader kept busy (other work on the machine lowers it).
    var loaderCPU = 0.0, loaderWall = 0.0, loaderImages = 0
    func loaderSeconds(_ subset: [URL]) -> Double {
        guard !subset.isEmpty else { return 0 }
        let items = subset.map { DatasetItem(url: $0) }
        let cpuStart = processCPUSeconds(), wallStart = DispatchTime.now().uptimeNanoseconds
        defer {
            loaderImages += subset.count * (max(1, repetitions) + 1)
            loaderCPU += processCPUSeconds() - cpuStart
            loaderWall += Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9
        }
        return medianSeconds(repetitions: repetitions) {
            let loader = BatchLoader(items: items, pipeline: pipeline, batchSize: arguments.batch, workerCount: workers)
            var count = 0
            while let batch = try! loader.nextBatch() { count += batch.count }
            precondition(count == items.count && loader.skipped.isEmpty, "the loader skipped files: \(loader.skipped)")
        }
    }
    let loaderAll = loaderSeconds(urls)
    let loaderJPEG = loaderSeconds(jpegs), loaderPNG = loaderSeconds(pngs)
    print("| tl BatchLoader, \(workers) threads, batch \(arguments.batch) | \(rate(urls.count, loaderAll)) | \(rate(jpegs.count, loaderJPEG)) | \(rate(pngs.count, loaderPNG)) |")
    print("")
    let singleCPU = single.map { $0.cpu.joined().reduce(0, +) }
    print("The loader kept \(String(format: "%.2f", loaderCPU / max(loaderWall, 1e-9))) cores busy on average (process CPU time / wall time over its runs), "
          + "at \(String(format: "%.2f", loaderCPU * 1000 / Double(max(loaderImages, 1)))) CPU ms per image "
          + "(one thread: \(String(format: "%.2f", median(singleCPU) * 1000 / Double(urls.count))) ms).")
    print("")
    print("CPU ms per image, one thread (median run): decode = read + decompress + bytes to float RGB;")
    print("resize = centre-crop geometry + antialiased bilinear; preprocess = the model's pixel scaling + tensor")
    print("| format | decode | resize | preprocess | total |")
    print("|---|---:|---:|---:|---:|")
    for (format, name, count) in [(0, "JPEG", jpegs.count), (1, "PNG", pngs.count)] where count > 0 {
        let steps = (0..<3).map { step in median(single.map { $0.cpu[format][step] }) * 1000 / Double(count) }
        let cells = (steps + [steps.reduce(0, +)]).map { String(format: "%.2f", $0) }
        print("| \(name) | " + cells.joined(separator: " | ") + " |")
    }
    print("")

    // The engine's side: the default model's feature extraction at the same batch size.
    let model: LoadedModel
    do {
        model = try LoadedModel.load(ModelOptions(path: arguments.model))
    } catch {
        print("(forward pass skipped: \(error.localizedDescription); `make model` builds the default model)")
        print("")
        return
    }
    let extractor = try! FeatureExtractor(model: model)
    let (height, width) = model.inputSize
    var generator = SeededGenerator(seed: 4)
    let input = generator.uniformTensor(shape: [arguments.batch, height, width, 3], low: 0, high: 255)
    let forwardSeconds = medianSeconds(repetitions: repetitions) { _ = try! extractor.features(of: input) }
    let forwardRate = Double(arguments.batch) / forwardSeconds
    let loaderRate = Double(urls.count) / loaderAll

    // Both at once, as in `tl extract-features`: the loader's threads and the engine's share
    // the cores. The folder is repeated to make enough batches; the first batch's wait is
    // the pipeline filling up, the waits after it are the loader falling behind.
    let batches = max(12, (urls.count + arguments.batch - 1) / arguments.batch)
    let items = (0..<(batches * arguments.batch)).map { DatasetItem(url: urls[$0 % urls.count]) }
    let start = DispatchTime.now().uptimeNanoseconds
    let loader = BatchLoader(items: items, pipeline: pipeline, batchSize: arguments.batch, workerCount: workers)
    var firstWait = 0.0, laterWaits = 0.0, count = 0
    while true {
        let waitStart = DispatchTime.now().uptimeNanoseconds
        guard let batch = try! loader.nextBatch() else { break }
        let waited = Double(DispatchTime.now().uptimeNanoseconds - waitStart) / 1e9
        if batch.number == 0 { firstWait = waited } else { laterWaits += waited }
        _ = try! extractor.features(of: batch.images)
        count += batch.count
    }
    let together = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let afterFirst = together - firstWait

    print("## Loader against the engine: \(model.displayName), batch \(arguments.batch), \(workers) threads each")
    print("| measurement | images/s | note |")
    print("|---|---:|---|")
    print("| forward (features), engine alone | \(String(format: "%.1f", forwardRate)) | \(String(format: "%.3f", forwardSeconds)) s per batch |")
    print("| BatchLoader alone | \(String(format: "%.1f", loaderRate)) | \(String(format: "%.2f", loaderRate / forwardRate))× the engine |")
    print("| loader + forward together | \(rate(count, together)) | \(count) images; engine waited \(String(format: "%.2f", firstWait)) s for batch 0, then \(String(format: "%.2f", laterWaits)) s (\(String(format: "%.1f", 100 * laterWaits / max(afterFirst, 1e-9)))% of the rest) |")
    print("")
}

private func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

private func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}
