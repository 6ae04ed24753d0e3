// Churn models: how long a vault stays online, how long it stays away, how
// long it takes part at all, how its departures look to its peers, and how
// often many vaults go at once. The figures and their sources are in
// docs/SIMULATION.md; 'none' is for scenarios whose failures are given.
import { gamma } from './rng.ts'

export interface Durations {
  /** Weibull shape: below 1, most periods are short and a few very long (what measurements of P2P networks found). */
  shape: number
  meanS: number
}

export interface CorrelatedFailures {
  /** Events per year. */
  perYear: number
  /** Share of the online vaults each event takes at once. */
  share: number
  /** Whether their disks are gone (a bad update that wipes vaults) or they come back (an outage). */
  permanent: boolean
}

export interface ChurnModel {
  name: string
  /** Online periods; null: vaults never go away for a while. */
  session: Durations | null
  absence: Durations
  /** Mean time a vault takes part before it leaves for good with its disk (exponential). */
  lifetimeS: number
  /** Share of departures that close their connections (noticed in ms); the rest go silent (heartbeat). */
  closedShare: number
  correlated: CorrelatedFailures | null
}

const HOUR = 3600
const DAY = 24 * HOUR
/** Mean of BitTorrent session lengths: Weibull shape 0.38, scale 42.4 min (Stutzbach & Rejaie). */
const TORRENT_SESSION_S = 42.4 * 60 * gamma(1 + 1 / 0.38)

export const CHURN_MODELS: Record<string, ChurnModel> = {
  home: {
    name: 'home',
    session: { shape: 0.5, meanS: 12 * HOUR },
    absence: { shape: 0.5, meanS: 12 * HOUR },
    lifetimeS: 180 * DAY,
    closedShare: 0.5,
    correlated: { perYear: 1, share: 0.01, permanent: true },
  },
  filesharing: {
    name: 'filesharing',
    // Weibull shape 0.38, scale 42.4 min (mean 2.7 h): BitTorrent sessions (Stutzbach & Rejaie)
    session: { shape: 0.38, meanS: TORRENT_SESSION_S },
    // availability 0.3, the median host of Overnet (Bhagwan et al.)
    absence: { shape: 0.38, meanS: (TORRENT_SESSION_S * 0.7) / 0.3 },
    // a fifth of the hosts replaced every day (Bhagwan et al.)
    lifetimeS: 5 * DAY,
    closedShare: 0.5,
    correlated: null,
  },
  'always-on': {
    name: 'always-on',
    session: { shape: 1, meanS: 30 * DAY },
    absence: { shape: 1, meanS: 15 * 60 },
    lifetimeS: 2 * 365 * DAY,
    closedShare: 0.9,
    correlated: { perYear: 1, share: 0.01, permanent: true },
  },
  none: {
    name: 'none',
    session: null,
    absence: { shape: 1, meanS: HOUR },
    lifetimeS: Infinity,
    closedShare: 1,
    correlated: null,
  },
}

/** Long-run share of time a vault of this model is online. */
export function availability(model: ChurnModel): number {
  if (!model.session) return 1
  return model.session.meanS / (model.session.meanS + model.absence.meanS)
}
