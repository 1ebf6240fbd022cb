// Every workload of `npm run bench`, in the order they run.
import type { Workload } from '../workload'
import { fanout } from './fanout'
import { transport } from './transport'
import { historyWorkload } from './client-history'
import { writeWorkload } from './client-write'
import { storageWorkload } from './client-storage'
import { manyGroups } from './many-groups'
import { storms } from './storms'
import { presence } from './presence'
import { soak } from './soak'
import { bundleWorkload } from './client-bundle'

export const WORKLOADS: Workload[] = [transport, fanout, historyWorkload, writeWorkload, storageWorkload, bundleWorkload, manyGroups, storms, presence, soak]
