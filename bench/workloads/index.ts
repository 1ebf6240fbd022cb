// Every workload of `npm run bench`, in the order they run.
import type { Workload } from '../workload'
import { fanout } from './fanout'
import { transport } from './transport'
import { historyWorkload } from './client-history'
import { writeWorkload } from './client-write'
import { receiveWorkload } from './client-receive'
import { storageWorkload } from './client-storage'
import { manyGroups } from './many-groups'
import { storms } from './storms'
import { presence } from './presence'
import { soak } from './soak'
import { bundleWorkload } from './client-bundle'
import { judgeWorkload } from './judge'
import { hostile } from './hostile'
import { directoryOpen } from './directory-open'
import { directoryPresence } from './directory-presence'
import { directorySearch } from './directory-search'

// NOTE: the short, fixed-size workloads come first: the time they leave goes to those after
// them (bench/run.ts), and the history's long cases need it most.
export const WORKLOADS: Workload[] = [transport, writeWorkload, receiveWorkload, storageWorkload, bundleWorkload, judgeWorkload, directorySearch, hostile, fanout, historyWorkload, directoryOpen, manyGroups, storms, presence, directoryPresence, soak]
