// Every workload of `npm run bench`, in the order they run.
import type { Workload } from '../workload'

export const WORKLOADS: Workload[] = []
