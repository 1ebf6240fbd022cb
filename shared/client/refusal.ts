// Reading the relay's "permission denied" message (y-protocols' auth message) for one room.
import * as decoding from 'lib0/decoding'

/** y-protocols/auth's only message: permission denied, with a reason. */
const PERMISSION_DENIED = 0

/** The reason of a permission-denied message (after its message type), or null for anything else. */
export const readRefusal = (decoder: decoding.Decoder): string | null => {
  try {
    return decoding.readVarUint(decoder) === PERMISSION_DENIED ? decoding.readVarString(decoder) : null
  } catch {
    return null
  }
}
