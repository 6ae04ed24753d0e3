// Placement: who must hold what. XOR distance in kad-dht's 256-bit space and close groups.
export {
  closeGroup,
  closestFirst,
  closestInto,
  compareClosest,
  compareDistance,
  kadKey,
  kadLead,
  sortClosest,
  xorDistance,
} from './xor.ts'
export type { Placed } from './xor.ts'
export { DEFAULT_REPLICAS } from './xor.ts'
