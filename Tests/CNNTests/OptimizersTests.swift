import XCTest
@testable import CNN

final class OptimizersTests: XCTestCase {
    private func parameter(_ values: [Float], role: ParameterRole = .weight, name: String = "kernel") -> Parameter {
        Parameter(name: name, value: Tensor(shape: [values.count], scalars: values), role: role)
    }

    private func setGradient(_ parameter: Parameter, _ values: [Float]) {
        parameter.gradient = Tensor(shape: [values.count], scalars: values)
    }

    func testPlainSGD() {
        let w = parameter([1, -2])
        setGradient(w, [0.5, 0.25])
        let optimizer = SGD(learningRate: 0.1)
        optimizer.step([w])
        assertClose(w.value.scalars, [0.95, -2.025], absolute: 1e-7, relative: 0)
        XCTAssertEqual(optimizer.iterations, 1)
        // Gradients are read, not zeroed.
        XCTAssertEqual(w.gradient.scalars, [0.5, 0.25])
    }

    /// Keras's SGD, by hand in Float64: v = μv − lr·g; w += v, or w += μv − lr·g (Nesterov).
    private func referenceSGD(_ w0: [Double], gradients: [[Double]], lr: Double, momentum: Double, nesterov: Bool) -> [Double] {
        var w = w0
        var v = [Double](repeating: 0, count: w0.count)
        for g in gradients {
            for i in w.indices {
                v[i] = momentum * v[i] - lr * g[i]
                w[i] += nesterov ? momentum * v[i] - lr * g[i] : v[i]
            }
        }
        return w
    }

    func testMomentumAndNesterovFollowKerasFormulas() {
        let gradients: [[Float]] = [[1, -0.5, 0.25], [0.5, 0.5, -1], [-0.25, 1, 0.75]]
        var results = [[Float]]()
        for nesterov in [false, true] {
            let w = parameter([0.3, -0.7, 1.1])
            let optimizer = SGD(learningRate: 0.1, momentum: 0.9, nesterov: nesterov)
            for g in gradients {
                setGradient(w, g)
                optimizer.step([w])
            }
            let expected = referenceSGD([0.3, -0.7, 1.1], gradients: gradients.map { $0.map(Double.init) }, lr: 0.1,
                                        momentum: 0.9, nesterov: nesterov).map(Float.init)
            assertClose(w.value.scalars, expected, absolute: 1e-6, relative: 1e-5, "nesterov \(nesterov)")
            results.append(w.value.scalars)
        }
        // After one step with g = 1 from w = 0: plain −0.1, Nesterov −0.19 (0.9·(−0.1) − 0.1).
        let (plain, nesterov) = (parameter([0]), parameter([0]))
        setGradient(plain, [1])
        setGradient(nesterov, [1])
        SGD(learningRate: 0.1, momentum: 0.9).step([plain])
        SGD(learningRate: 0.1, momentum: 0.9, nesterov: true).step([nesterov])
        assertClose(plain.value.scalars, [-0.1], absolute: 1e-7, relative: 0)
        assertClose(nesterov.value.scalars, [-0.19], absolute: 1e-7, relative: 0)
        XCTAssertNotEqual(results[0], results[1])
    }

    /// Keras's Adam, by hand in Float64.
    private func referenceAdam(_ w0: [Double], gradients: [[Double]], lr: Double, weightDecay: Double = 0,
                               beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-7) -> [Double] {
        var w = w0
        var m = [Double](repeating: 0, count: w0.count)
        var v = m
        for (step, g) in gradients.enumerated() {
            let t = Double(step + 1)
            for i in w.indices { w[i] -= w[i] * weightDecay * lr }
            let alpha = lr * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
            for i in w.indices {
                m[i] += (g[i] - m[i]) * (1 - beta1)
                v[i] += (g[i] * g[i] - v[i]) * (1 - beta2)
                w[i] -= alpha * m[i] / (v[i].squareRoot() + epsilon)
            }
        }
        return w
    }

    func testAdamFollowsKerasFormula() {
        let gradients: [[Float]] = [[0.1, -2, 0], [0.3, -1, 0.5], [-0.2, 0.5, 0.25], [0.05, 0.05, -0.5]]
        let w = parameter([0.5, -0.25, 1])
        let optimizer = Adam(learningRate: 0.01)
        XCTAssertEqual(optimizer.beta1, 0.9)
        XCTAssertEqual(optimizer.beta2, 0.999)
        XCTAssertEqual(optimizer.epsilon, 1e-7)
        for (step, g) in gradients.enumerated() {
            setGradient(w, g)
            optimizer.step([w])
            let expected = referenceAdam([0.5, -0.25, 1], gradients: Array(gradients[...step]).map { $0.map(Double.init) }, lr: 0.01)
            assertClose(w.value.scalars, expected.map(Float.init), absolute: 1e-6, relative: 1e-5, "after step \(step + 1)")
        }
        // The first step moves each weight by about lr·sign(g), whatever the gradient's size,
        // until |g| nears ε: Keras adds ε to √v, where √v = √(1 − β₂)·|g| after one step,
        // so the step is lr·√0.001·|g| / (√0.001·|g| + ε).
        let first = parameter([0, 0, 0])
        setGradient(first, [1000, -0.1, 0.001])
        Adam(learningRate: 0.01).step([first])
        let root = 0.001.squareRoot() * 0.001
        assertClose(first.value.scalars, [-0.01, 0.01, Float(-0.01 * root / (root + 1e-7))], absolute: 1e-7, relative: 1e-4)
    }

    func testAdamWDecaysWeightsButNotBiases() {
        let kernel = parameter([1, -2])
        let bias = parameter([1, -2], role: .bias, name: "bias")
        let optimizer = AdamW(learningRate: 0.1, weightDecay: 0.5)
        for _ in 0..<3 {
            setGradient(kernel, [0, 0])
            setGradient(bias, [0, 0])
            optimizer.step([kernel, bias])
        }
        // A zero gradient leaves only the decay: w·(1 − lr·wd)³ = w·0.95³.
        assertClose(kernel.value.scalars, [0.857375, -1.71475], absolute: 1e-6, relative: 1e-6)
        XCTAssertEqual(bias.value.scalars, [1, -2])
        XCTAssertEqual(AdamW().weightDecay, 0.004)

        // With gradients: decay first, then the Adam update, as Keras orders them.
        let w = parameter([0.5, -1.5])
        let adamW = AdamW(learningRate: 0.05, weightDecay: 0.1)
        let gradients: [[Float]] = [[0.2, -0.4], [0.1, 0.3]]
        for g in gradients {
            setGradient(w, g)
            adamW.step([w])
        }
        let expected = referenceAdam([0.5, -1.5], gradients: gradients.map { $0.map(Double.init) }, lr: 0.05, weightDecay: 0.1)
        assertClose(w.value.scalars, expected.map(Float.init), absolute: 1e-6, relative: 1e-5)
        // Keras's default decays biases too; the roles are configurable.
        let decayedBias = parameter([1], role: .bias, name: "bias")
        setGradient(decayedBias, [0])
        let everything = AdamW(learningRate: 0.1, weightDecay: 0.5)
        everything.decayedRoles = [.weight, .bias]
        everything.step([decayedBias])
        assertClose(decayedBias.value.scalars, [0.95], absolute: 1e-7, relative: 0)
    }

    func testFrozenParametersAndStatisticsAreNotUpdated() {
        let frozen = parameter([1, 2])
        frozen.isTrainable = false
        let statistic = parameter([3], role: .statistic, name: "moving_mean")
        setGradient(frozen, [1, 1])
        setGradient(statistic, [1])
        for optimizer in [SGD(learningRate: 1, momentum: 0.5), Adam(), AdamW()] as [Optimizer] {
            optimizer.step([frozen, statistic])
        }
        XCTAssertEqual(frozen.value.scalars, [1, 2])
        XCTAssertEqual(statistic.value.scalars, [3])
    }

    func testLearningRateCanChangeBetweenSteps() {
        let w = parameter([0])
        let optimizer = SGD(learningRate: 0.1)
        setGradient(w, [1])
        optimizer.step([w])
        optimizer.learningRate = 0.01
        optimizer.step([w])
        assertClose(w.value.scalars, [-0.11], absolute: 1e-7, relative: 0)
    }

    func testClippingInsideTheOptimizerLeavesGradientsUntouched() {
        // Global norm of [3, 4] and [12] is 13; clipped to 1.3, every gradient is scaled by 0.1.
        let a = parameter([0, 0])
        let b = parameter([0])
        setGradient(a, [3, 4])
        setGradient(b, [12])
        SGD(learningRate: 1, clipping: .global(maxNorm: 1.3)).step([a, b])
        assertClose(a.value.scalars + b.value.scalars, [-0.3, -0.4, -1.2], absolute: 1e-6, relative: 0)
        XCTAssertEqual(a.gradient.scalars, [3, 4])

        // Per parameter: [3, 4] (norm 5) is scaled to norm 1; [0.3, 0.4] (norm 0.5) is left alone.
        let c = parameter([0, 0])
        let d = parameter([0, 0])
        setGradient(c, [3, 4])
        setGradient(d, [0.3, 0.4])
        SGD(learningRate: 1, clipping: .perParameter(maxNorm: 1)).step([c, d])
        assertClose(c.value.scalars + d.value.scalars, [-0.6, -0.8, -0.3, -0.4], absolute: 1e-6, relative: 0)
    }

    func testCosineDecay() {
        XCTAssertEqual(cosineDecay(step: 0, initialLearningRate: 0.1, decaySteps: 100), 0.1, accuracy: 1e-7)
        XCTAssertEqual(cosineDecay(step: 50, initialLearningRate: 0.1, decaySteps: 100), 0.05, accuracy: 1e-7)
        XCTAssertEqual(cosineDecay(step: 25, initialLearningRate: 0.1, decaySteps: 100),
                       Float(0.1 * 0.5 * (1 + cos(Double.pi / 4))), accuracy: 1e-7)
        XCTAssertEqual(cosineDecay(step: 100, initialLearningRate: 0.1, decaySteps: 100), 0, accuracy: 1e-7)
        XCTAssertEqual(cosineDecay(step: 500, initialLearningRate: 0.1, decaySteps: 100, alpha: 0.1), 0.01, accuracy: 1e-7)
        // Warm-up from 0 to 0.2 over 10 steps, then decay from 0.2 over 100.
        XCTAssertEqual(cosineDecay(step: 5, initialLearningRate: 0, decaySteps: 100, warmupTarget: 0.2, warmupSteps: 10),
                       0.1, accuracy: 1e-7)
        XCTAssertEqual(cosineDecay(step: 10, initialLearningRate: 0, decaySteps: 100, warmupTarget: 0.2, warmupSteps: 10),
                       0.2, accuracy: 1e-7)
        XCTAssertEqual(cosineDecay(step: 60, initialLearningRate: 0, decaySteps: 100, warmupTarget: 0.2, warmupSteps: 10),
                       0.1, accuracy: 1e-7)
    }

    func testTrainsASmallDenseHead() throws {
        // Two separable clusters: a few Adam steps on the fused loss must reduce it.
        var generator = SeededGenerator(seed: 111)
        let layer = Dense(name: "head", inputUnits: 2, units: 2)
        layer.kernel.value = Initializer.glorotUniform.tensor(shape: [2, 2], using: &generator)
        let input = Tensor(shape: [4, 2], scalars: [1, 1, 1.2, 0.8, -1, -1, -0.9, -1.1])
        let labels = [0, 0, 1, 1]
        let optimizer = Adam(learningRate: 0.1)
        var losses = [Float]()
        for _ in 0..<20 {
            for parameter in layer.parameters { parameter.zeroGradient() }
            let logits = try layer.forward(input, training: true)
            let result = try softmaxCrossEntropy(logits: logits, labels: labels)
            losses.append(result.loss)
            _ = try layer.backward(result.gradient, inputGradient: false)
            optimizer.step(layer.parameters)
        }
        XCTAssertLessThan(losses.last!, losses.first! * 0.2, "losses \(losses)")
    }
}
