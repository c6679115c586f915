// Element Plus form rules built on the validators, with messages in the current language.
import type { FormItemRule } from 'element-plus'
import { t } from '../i18n'
import { isValidCreditCode } from './creditCode'
import { isValidIdentityNumber } from './identityNumber'
import { checkPassword } from './password'
import { isValidUsername } from './username'

type Validator = NonNullable<FormItemRule['validator']>

/** A rule from a check that answers the problem with a value, or `null` when there is none. */
export function rule(validator: (value: string) => string | null, trigger: FormItemRule['trigger'] = 'blur'): FormItemRule {
  const v: Validator = (_rule, value, callback) => {
    const problem = validator(typeof value === 'string' ? value : '')
    if (problem) callback(new Error(problem))
    else callback()
  }
  return { validator: v, trigger }
}

export function requiredRule(trigger: FormItemRule['trigger'] = 'blur'): FormItemRule {
  return { required: true, message: () => t('validation.required'), trigger }
}

export const usernameRule = () =>
  rule((v) => (isValidUsername(v) ? null : t('validation.usernameFormat')))

export const passwordRule = () =>
  rule((v) => {
    const c = checkPassword(v)
    if (c.tooShort) return t('validation.passwordLength')
    if (c.tooFewClasses) return t('validation.passwordClasses')
    return null
  })

/** Optional unless `required()` says otherwise (an enterprise must have one). */
export const creditCodeRule = (required: () => boolean) =>
  rule((v) => {
    if (v === '') return required() ? t('validation.creditCodeRequired') : null
    return isValidCreditCode(v) ? null : t('validation.creditCode')
  })

export const identityNumberRule = () =>
  rule((v) => (isValidIdentityNumber(v) ? null : t('validation.identityNumber')))

/** A light check only; the server owns the real rule. */
export const emailRule = () =>
  rule((v) => (v === '' || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? null : t('validation.email')))
