// A relay's population for the directory benchmarks: people with names in Latin, Cyrillic and CJK scripts, and groups of them; the same every run.
import { toBase64Url, userIdFromPublicKey } from '../../shared/ids'
import type { Group, User } from '../../shared/model'

const LATIN_FIRST = ('Maria Anna Sofia Laura Emma Julia Sara Lucia Elena Clara Marta Paula Alice Nora Eva Ines Lea Mia Rosa Ada ' +
  'James John Lucas Mateo Daniel David Marco Pablo Hugo Leo Adam Tom Ben Sam Max Noah Liam Oscar Felix Jonas').split(' ')
const LATIN_LAST = ('Garcia Martin Lopez Silva Santos Rossi Russo Muller Schmidt Meyer Dubois Moreau Laurent Bernard Smith Jones Brown ' +
  'Taylor Wilson Evans Walker Nowak Kowalski Novak Horvat Jensen Hansen Larsen Berg Lindqvist Costa Ferreira Martins Oliveira ' +
  'Andersen Petit Roux Fontaine Marchetti Esposito').split(' ')
const CYRILLIC_FIRST = 'Александр Алексей Андрей Анна Ирина Мария Наталья Ольга Сергей Дмитрий Елена Иван Павел Татьяна Юлия Борис'.split(' ')
const CYRILLIC_LAST = 'Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев Лебедев'.split(' ')
const CJK_FAMILY = '王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙'.split(' ')
const CJK_GIVEN = '伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 华 平'.split(' ')
const JAPANESE = ['佐藤 花子', '鈴木 一郎', '高橋 美咲', '田中 健太', '渡辺 陽菜', '伊藤 翔']

/** A deterministic stream of uint32s (xorshift), so that a population is the same every run. */
const stream = (seed: number): (() => number) => {
  let state = (seed ^ 0x9e3779b9) >>> 0 || 1
  return () => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state
  }
}

const pick = <T>(items: readonly T[], next: () => number): T => items[next() % items.length]!

/** Name i: 70 % Latin ("Maria Garcia"), 15 % Cyrillic, 15 % CJK (Chinese without a space, some Japanese with one). */
export const nameOf = (i: number): string => {
  const next = stream(i + 1)
  const script = next() % 100
  if (script < 70) return `${pick(LATIN_FIRST, next)} ${pick(LATIN_LAST, next)}`
  if (script < 85) return `${pick(CYRILLIC_FIRST, next)} ${pick(CYRILLIC_LAST, next)}`
  return next() % 4 === 0 ? pick(JAPANESE, next) : pick(CJK_FAMILY, next) + pick(CJK_GIVEN, next)
}

const CREATED = '2025-01-01T00:00:00.000Z'

/**
 * Profile i of the population: a user id with the public key it is derived from (the relay and
 * clients check that, not a signature); nobody holds the private key.
 */
export const fillerProfile = (i: number): User => {
  const next = stream(0x5eed0000 + i)
  const key = new Uint8Array(32)
  const view = new DataView(key.buffer)
  for (let at = 0; at < 32; at += 4) view.setUint32(at, next())
  return { user_id: userIdFromPublicKey(key), name: nameOf(i), public_key: toBase64Url(key), created_at: CREATED, updated_at: CREATED, deleted_at: null }
}

/**
 * A Yjs client id per person (their device), derived from their index: stable, non-zero, and
 * distinct for distinct indexes (multiplying by an odd number is a bijection modulo 2³²).
 */
export const clientIdOf = (i: number): number => Math.imul(i + 1, 2654435761) >>> 0

/** A group id for filler group g: 16 bytes from g, base64url (22 characters). */
const groupIdOf = (g: number): string => {
  const next = stream(0x9c0000 + g)
  const bytes = new Uint8Array(16)
  const view = new DataView(bytes.buffer)
  for (let at = 0; at < 16; at += 4) view.setUint32(at, next())
  return toBase64Url(bytes)
}

/** Filler group g of `size` members drawn from `people`, its first member its creator and admin; `creator` is that member's index. */
export const fillerGroup = (g: number, size: number, people: readonly User[]): { group: Group; creator: number } => {
  const next = stream(0x6700000 + g)
  const members = new Set<number>()
  while (members.size < Math.min(size, people.length)) members.add(next() % people.length)
  const indexes = [...members]
  const user_ids = indexes.map(i => people[i]!.user_id)
  return {
    group: { group_id: groupIdOf(g), name: `group ${g}`, user_ids, admin_ids: [user_ids[0]!], created_by: user_ids[0]!, created_at: CREATED, updated_at: CREATED, deleted_at: null },
    creator: indexes[0]!
  }
}
