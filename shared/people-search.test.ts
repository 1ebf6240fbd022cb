// The normal form of names and queries, the word starts a query matches at, and matching in several scripts.
import { describe, expect, it } from 'vitest'
import { nameMatches, normalizeForSearch, wordSuffixes } from './people-search'

describe('normalizeForSearch', () => {
  it('drops accents and case, in any script', () => {
    expect(normalizeForSearch('Élodie Dupré')).toBe('elodie dupre')
    expect(normalizeForSearch('ÉLODIE')).toBe('elodie')
    expect(normalizeForSearch('Борис Петров')).toBe('борис петров')
    expect(normalizeForSearch('Йордан')).toBe('иордан')
    expect(normalizeForSearch('Ærøskøbing Straße')).toBe('ærøskøbing straße')
    expect(normalizeForSearch('İstanbul')).toBe('istanbul')
  })

  it('unfolds compatibility forms (full-width letters, ligatures)', () => {
    expect(normalizeForSearch('Ａｄａ')).toBe('ada')
    expect(normalizeForSearch('ﬁona')).toBe('fiona')
  })

  it('makes a Greek final sigma the ordinary one, so a query stopping mid-word matches', () => {
    expect(normalizeForSearch('ΟΔΥΣΣΕΥΣ')).toBe('οδυσσευσ')
    expect(nameMatches('Οδυσσεύς', 'οδυσσευσ')).toBe(true)
  })

  it('collapses white space of any kind and trims it', () => {
    expect(normalizeForSearch('  Ada\u00a0\t Lovelace \u3000')).toBe('ada lovelace')
    expect(normalizeForSearch('\u0301 \n')).toBe('')
  })

  it('agrees with the plain pipeline, replacing only where needed', () => {
    const plain = (text: string): string => text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replaceAll('ς', 'σ').replace(/\s+/gu, ' ').trim()
    for (const text of ['ada', 'Ada Lovelace', ' ada', 'ada ', 'ada  lovelace', 'ada\tlovelace', 'a\u2003b', 'Ὀδυσσεύς', 'x\u0301', '', ' ', 'ﬁ ﬂ', 'ǅ']) {
      expect(normalizeForSearch(text), JSON.stringify(text)).toBe(plain(text))
    }
  })

  it('is idempotent', () => {
    for (const name of ['Élodie Dupré', 'ΟΔΥΣΣΕΥΣ', 'ﬁona ＡＤＡ', '山田 太郎', 'ガンダム']) {
      expect(normalizeForSearch(normalizeForSearch(name))).toBe(normalizeForSearch(name))
    }
  })
})

describe('wordSuffixes', () => {
  it('is the name from each word start', () => {
    expect(wordSuffixes('ada king lovelace')).toEqual(['ada king lovelace', 'king lovelace', 'lovelace'])
    expect(wordSuffixes('山田太郎')).toEqual(['山田太郎'])
    expect(wordSuffixes('')).toEqual([])
  })
})

describe('nameMatches', () => {
  it('matches a prefix of any word, accents and case ignored', () => {
    expect(nameMatches('Élodie Dupré', 'élo')).toBe(true)
    expect(nameMatches('Élodie Dupré', 'ELO')).toBe(true)
    expect(nameMatches('Élodie Dupré', 'dup')).toBe(true)
    expect(nameMatches('Élodie Dupré', 'lod')).toBe(false)
    expect(nameMatches('Ada Lovelace', 'lov')).toBe(true)
    expect(nameMatches('Борис Петров', 'бор')).toBe(true)
    expect(nameMatches('Борис Петров', 'пет')).toBe(true)
  })

  it('matches a query of several words across them', () => {
    expect(nameMatches('Ada Lovelace', 'ada lov')).toBe(true)
    expect(nameMatches('Ada Lovelace', '  ADA   lov ')).toBe(true)
    expect(nameMatches('Ada Lovelace', 'lov ada')).toBe(false)
  })

  it('matches a name written without spaces from its start only', () => {
    expect(nameMatches('山田太郎', '山田')).toBe(true)
    expect(nameMatches('山田太郎', '太郎')).toBe(false)
  })

  it('finds everyone with an empty query', () => {
    expect(nameMatches('Ada', '')).toBe(true)
    expect(nameMatches('Ada', '  ')).toBe(true)
  })
})
