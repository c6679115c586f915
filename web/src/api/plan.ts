// The plan supervision API (docs/plan.md, "API contract"): the plan and its versions, work
// items, progress reports, indicators, the cockpit's figures and notifications.
import { API, request } from './http'
import type { Page } from './types'

export type Light = 'green' | 'yellow' | 'red'
export type ItemState = 'assigned' | 'acknowledged' | 'in_progress' | 'done'
export type ReportState = 'submitted' | 'accepted' | 'returned'

export interface VersionInfo {
  version: number
  created_at: string
  created_by: string
  summary: string
}

export interface PlanTask {
  id: string
  code: string
  kind: 'task' | 'safeguard'
  number: number
  section: string | null
  title: string
  text: string
  lead_unit: string
  lead_unit_name: string
  units: string[]
  unit_names: string[]
  weight: number
  updated_in: number
}

export interface PlanGoals {
  approach: string
  overall: string
  target_year: number
  domains: string[]
  six_ones: Array<{ code: string; text: string }>
  chains: string[]
}

export interface PlanView {
  version: VersionInfo
  title: string
  title_en: string
  preamble: string
  goals: PlanGoals
  indicator_targets: Array<{ indicator: string; target: number; due: string; basis: string }>
  tasks: PlanTask[]
  safeguards: PlanTask[]
}

export interface TaskPatch {
  lead_unit?: string
  weight?: number
  note?: string
}

export interface Item {
  id: string
  task_id: string
  title: string
  description: string
  owner_unit: string
  co_units: string[]
  place_code: string | null
  weight: number
  start_at: string
  deadline: string
  state: ItemState
  progress: number
  done_at: string | null
  created_at: string
  created_by: string
  updated_at: string
  light: Light
  planned_progress: number
}

export interface Milestone {
  id: string
  item_id: string
  title: string
  due_at: string
  done_at: string | null
  created_at: string
}

export interface ItemDetail extends Item {
  milestones: Milestone[]
}

export interface NewItem {
  title: string
  description?: string
  owner_unit: string
  co_units?: string[]
  place_code?: string | null
  weight?: number
  deadline: string
}

export interface Evidence {
  name: string
  url: string
}

export interface NewReport {
  period: string
  percentage: number
  narrative: string
  blockers?: string
  evidence?: Evidence[]
}

export interface Report extends Required<NewReport> {
  id: string
  item_id: string
  organisation_id: string
  state: ReportState
  supersedes: string | null
  submitted_by: string
  submitted_at: string
  reviewed_by: string | null
  reviewed_at: string | null
  return_reason: string | null
}

export interface Lights {
  green: number
  yellow: number
  red: number
}

export interface Indicator {
  key: string
  name_zh: string | null
  name_en: string | null
  unit: string | null
  module: string | null
  value: number | null
  error?: string
  target: number | null
  due: string | null
  basis: string | null
  attainment: number | null
}

export interface TaskFigures {
  id: string
  code: string
  kind: 'task' | 'safeguard'
  title: string
  lead_unit: string
  lead_unit_name: string
  weight: number
  items: number
  progress: number
  lights: Lights
}

export interface UnitFigures {
  organisation_id: string
  name: string
  items: number
  done: number
  overdue: number
  on_time_rate: number | null
  reports_submitted: number
  reports_accepted: number
  reports_returned: number
}

export interface AreaFigures {
  place_code: string
  name: string
  items: number
  progress: number
  lights: Lights
}

export interface Dashboard {
  version: number
  at: string
  progress: number
  on_time_rate: number | null
  items: number
  lights: Lights
  states: Record<string, number>
  tasks: TaskFigures[]
  units: UnitFigures[]
  areas: AreaFigures[]
  indicators: Indicator[]
}

export interface Snapshot {
  indicator: string
  month: string
  value: number | null
  taken_at: string
}

export interface Notification {
  id: string
  kind: string
  title: string
  body: string
  subject: string | null
  created_at: string
  read_at: string | null
}

export interface NotificationPage extends Page<Notification> {
  unread: number
}

const P = `${API}/plan`
const id = encodeURIComponent

export const getPlan = (): Promise<PlanView> => request('GET', P)
export const listVersions = (): Promise<{ items: VersionInfo[] }> => request('GET', `${P}/versions`)
export const patchTask = (task: string, patch: TaskPatch): Promise<PlanTask> =>
  request('PATCH', `${P}/tasks/${id(task)}`, { body: patch })

export interface ItemFilter {
  task?: string
  unit?: string
  state?: ItemState | ''
}

export const listItems = (filter: ItemFilter, limit = 500, offset = 0): Promise<Page<Item>> =>
  request('GET', `${P}/items`, { query: { ...filter, limit, offset } })
export const getItem = (item: string): Promise<ItemDetail> => request('GET', `${P}/items/${id(item)}`)
export const createItem = (task: string, item: NewItem): Promise<Item> =>
  request('POST', `${P}/tasks/${id(task)}/items`, { body: item })
export const transitionItem = (item: string, to: ItemState): Promise<Item> =>
  request('POST', `${P}/items/${id(item)}/transitions`, { body: { to } })
export const addMilestone = (item: string, title: string, dueAt: string): Promise<Milestone> =>
  request('POST', `${P}/items/${id(item)}/milestones`, { body: { title, due_at: dueAt } })
export const markMilestone = (item: string, milestone: string, done: boolean): Promise<Milestone> =>
  request('PATCH', `${P}/items/${id(item)}/milestones/${id(milestone)}`, { body: { done } })

export interface ReportFilter {
  item?: string
  unit?: string
  state?: ReportState | ''
}

export const listReports = (filter: ReportFilter, limit = 500, offset = 0): Promise<Page<Report>> =>
  request('GET', `${P}/reports`, { query: { ...filter, limit, offset } })
export const submitReport = (item: string, report: NewReport): Promise<Report> =>
  request('POST', `${P}/items/${id(item)}/reports`, { body: report })
export const resubmitReport = (report: string, body: NewReport): Promise<Report> =>
  request('POST', `${P}/reports/${id(report)}/resubmit`, { body })
export const reviewReport = (report: string, decision: 'accept' | 'return', reason?: string): Promise<Report> =>
  request('POST', `${P}/reports/${id(report)}/review`, { body: { decision, reason } })

export const getIndicators = (): Promise<{ items: Indicator[] }> => request('GET', `${P}/indicators`)
export const getSnapshots = (indicator?: string): Promise<{ items: Snapshot[] }> =>
  request('GET', `${P}/indicators/snapshots`, { query: { indicator } })
export const getDashboard = (): Promise<Dashboard> => request('GET', `${P}/dashboard`)

export const listNotifications = (unread: boolean, limit = 20): Promise<NotificationPage> =>
  request('GET', `${API}/notifications`, { query: { unread: unread || undefined, limit } })
export const markNotificationRead = (n: string): Promise<void> =>
  request('POST', `${API}/notifications/${id(n)}/read`)
