import CNN
import Runtime

BLASKernelSelection.reexecuteWithFastKernelIfNeeded()
ThreadConfiguration.apply(requested: nil)
print(ThreadConfiguration.summary)
