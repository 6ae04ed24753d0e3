// Password strength with zxcvbn-ts and its common dictionaries, as a score and a short hint.
import { ZxcvbnFactory } from '@zxcvbn-ts/core'
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common'

const zxcvbn = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs })

const LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const

export interface Strength {
  score: 0 | 1 | 2 | 3 | 4
  label: (typeof LABELS)[number]
  hint: string
}

export function strengthOf(password: string, userInputs: string[] = []): Strength {
  const r = zxcvbn.check(password, userInputs)
  const score = r.score as Strength['score']
  const hint =
    score >= 3
      ? 'Good: only you can recover this drive, so keep it somewhere safe.'
      : password.length < 12
        ? 'Make it longer: a few unrelated words work well.'
        : 'Avoid common words, names and keyboard patterns.'
  return { score, label: LABELS[score], hint }
}
