package demo

import (
	"context"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/registry"
)

// registry fills the registry of 油车港镇 before its year is walked: the
// particulars of the named mediator accounts, a village cadre who mediates
// without an account, two trainings of this year's; beside the committee of
// each village and community and the town's, the town's traffic committee
// (行业性专业性), whose steps the walk gives to the road accidents the town
// mediates, and 麟湖村's studio 「睦麟+」, with their members.
func (b *builder) registry(ctx context.Context, reg *registry.Service) error {
	duban, err := b.e.Store.FindUserByName(ctx, "duban")
	if err != nil {
		return err
	}
	sup := duban.Actor()
	var attendees []int64
	for _, p := range []struct {
		account, grade, appointed string
		fullTime                  bool
	}{
		{"zhentiao", "二级", "2021-03-01", true},
		{"cuntiao", "三级", "2022-06-15", false},
		{"wangge", "四级", "2023-05-01", false},
	} {
		u, err := b.e.Store.FindUserByName(ctx, p.account)
		if err != nil {
			return err
		}
		m := &registry.Mediator{UserID: u.ID, FullTime: p.fullTime, AppointedOn: p.appointed, Grade: p.grade}
		if err := reg.Save(ctx, sup, m); err != nil {
			return err
		}
		attendees = append(attendees, m.ID)
	}
	village := b.tree.ByCode("YCG-LH")
	cadre := &registry.Mediator{Name: b.name(), UnitID: village.ID, Phone: "13905730001", Grade: "四级"}
	if err := reg.Save(ctx, sup, cadre); err != nil {
		return err
	}
	town := b.tree.ByCode("YCG")
	traffic := &engine.Committee{Name: town.Name + "道路交通事故纠纷人民调解委员会", Kind: engine.CommitteeTrade, UnitID: town.ID,
		FoundedOn: "2019-06-01"}
	head := &registry.Mediator{Name: b.name(), UnitID: town.ID, Phone: "13905730002", FullTime: true, AppointedOn: "2019-06-01",
		Grade: "一级"}
	if err := reg.SaveCommittee(ctx, sup, traffic); err != nil {
		return err
	}
	head.CommitteeID = traffic.ID
	if err := reg.Save(ctx, sup, head); err != nil {
		return err
	}
	studio := &engine.Committee{Name: "睦麟+个人调解工作室", StudioOf: b.tree.CommitteeOf(village.ID).ID, FoundedOn: "2023-03-15"}
	if err := reg.SaveCommittee(ctx, sup, studio); err != nil {
		return err
	}
	for committee, members := range map[int64][]registry.Member{
		traffic.ID: {{MediatorID: head.ID, Role: "主任"}, {MediatorID: attendees[0], Role: "委员"}},
		studio.ID:  {{MediatorID: attendees[1], Role: "主任"}, {MediatorID: cadre.ID, Role: "委员"}},
	} {
		if err := reg.SetMembers(ctx, sup, committee, members); err != nil {
			return err
		}
	}
	b.traffic = traffic.ID
	for _, t := range []struct {
		ago    int
		hours  float64
		topic  string
		people []int64
	}{
		{60, 4, "《人民调解法》与调解技巧", append(attendees, cadre.ID)},
		{20, 3.5, "矛盾纠纷排查化解实务", attendees[:1:1]},
	} {
		day := b.now.In(b.e.Location).AddDate(0, 0, -t.ago).Format(time.DateOnly)
		if _, err := reg.RecordTraining(ctx, sup, &registry.NewTraining{HeldOn: day, Hours: t.hours, Topic: t.topic, Mediators: t.people}); err != nil {
			return err
		}
	}
	return nil
}
